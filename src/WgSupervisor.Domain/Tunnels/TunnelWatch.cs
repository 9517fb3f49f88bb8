using System.Net;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>
/// What a tunnel's supervisor knows beside its phase (<see cref="TunnelState"/>): the last observation and the
/// recent samples, when the counters last moved, how long a first handshake has been awaited, what the probes
/// said, the latest verdict and the warnings; and the <see cref="TunnelSummary"/> the operator sees of it all.
/// No Akka, no I/O: the caller passes the clock.
/// </summary>
/// <remarks>
/// A class that changes in place rather than a record: its sample ring is one array of hundreds of samples
/// (see <see cref="SampleRing"/>), which a copy per observation would make expensive. Everything it is asked
/// depends only on what it was told.
/// </remarks>
public sealed class TunnelWatch
{
    /// <summary>Observations kept for charts: an hour at a 5-s poll interval.</summary>
    public const int SamplesKept = 720;

    /// <summary>Notes from the fleet shown among the warnings: the latest only.</summary>
    public const int NotesShown = 5;

    private readonly TunnelSettings _settings;
    private readonly string _node;
    private readonly IReadOnlyList<string> _setupWarnings;
    private readonly SampleRing _samples;
    private readonly Queue<string> _notes = new();
    private IReadOnlyList<string>? _shownWarnings;
    private bool _probeInFlight;

    /// <param name="setupWarnings">Problems found in the tunnel's set-up, always shown.</param>
    public TunnelWatch(TunnelSettings settings, string node, IReadOnlyList<string> setupWarnings, int samplesKept = SamplesKept)
    {
        _settings = settings;
        _node = node;
        _setupWarnings = setupWarnings;
        _samples = new SampleRing(samplesKept);
    }

    public TunnelObservation? LastObservation { get; private set; }

    /// <summary>When the peer was first seen without any handshake, while it still has none.</summary>
    public DateTimeOffset? NeverHandshakenSince { get; private set; }

    /// <summary>When the peer's counters last moved (null: no peer seen yet).</summary>
    public TrafficHistory? Traffic { get; private set; }

    public ProbeStatus Probe { get; private set; } = ProbeStatus.None;

    /// <summary>The detail of the latest judgement.</summary>
    public string? Verdict { get; private set; }

    /// <summary>The peer's handshake when the current repair started: only a newer one verifies it.</summary>
    public DateTimeOffset? HandshakeBeforeRepair { get; private set; }

    /// <summary>The latest diagnosis of the current episode (null: none yet, or healthy since).</summary>
    public Diagnosis? Diagnosis { get; private set; }

    /// <summary>What the fleet last said about a cause shared with other tunnels (null: none).</summary>
    public SharedCause? SharedCause { get; set; }

    /// <summary>The recent observations, oldest first.</summary>
    public IReadOnlyList<TunnelSample> Samples => _samples.ToList();

    // ---- Observations -------------------------------------------------------------------------------

    /// <summary>Keeps an observation made while the tunnel was in <paramref name="phase"/>, seen at <paramref name="now"/>.</summary>
    public void Observe(TunnelObservation observation, TunnelPhase phase, DateTimeOffset now)
    {
        LastObservation = observation;
        var peer = observation.Peer;
        _samples.Add(new TunnelSample(observation.At,
            peer?.LatestHandshake is { } handshake ? Math.Max(0, Math.Round((observation.At - handshake).TotalSeconds, 1)) : null,
            peer?.RxBytes ?? 0, peer?.TxBytes ?? 0, phase));
        if (peer is { LatestHandshake: null }) NeverHandshakenSince ??= now;
        else NeverHandshakenSince = null;
        if (peer is not null) Traffic = Traffic is null ? TrafficHistory.Start(peer, now) : Traffic.Observe(peer, now);
    }

    /// <summary>
    /// Judges an observation by <see cref="HealthRules.Judge"/> with everything watched so far, keeping it first
    /// unless it is the last one kept (a judgement again after a probe result).
    /// </summary>
    public HealthVerdict Judge(TunnelObservation observation, TunnelPhase phase, DateTimeOffset now)
    {
        if (!ReferenceEquals(observation, LastObservation)) Observe(observation, phase, now);
        var verdict = HealthRules.Judge(observation, _settings, now, NeverHandshakenSince ?? now, JudgedProbe, Traffic);
        Verdict = verdict switch
        {
            HealthVerdict.Healthy h => h.Detail,
            HealthVerdict.Stale s => s.Detail,
            HealthVerdict.Undecided u => u.Detail,
            _ => null,
        };
        return verdict;
    }

    // ---- Probes -------------------------------------------------------------------------------------

    /// <summary>
    /// Whether to send a probe now, and if so counts it as in flight: not while one is, and not through an
    /// interface that is gone (that is already judged from the poll).
    /// </summary>
    public bool TryStartProbe()
    {
        if (_settings.Probe is null || _probeInFlight || LastObservation is { InterfacePresent: false }) return false;
        _probeInFlight = true;
        return true;
    }

    /// <summary>Records a probe's result; true when it is the first answer since supervision started.</summary>
    public bool RecordProbe(ProbeResult result, DateTimeOffset at)
    {
        _probeInFlight = false;
        var wasEverAnswered = Probe.EverSucceeded;
        Probe = Probe.Record(result, at);
        return !wasEverAnswered && Probe.EverSucceeded;
    }

    /// <summary>Whether to confirm the last missed probe with a quick burst now; if so, counts the burst as in flight.</summary>
    public bool TryStartConfirmation()
    {
        if (_settings.Probe is not { } probe || _probeInFlight || !Probe.NeedsConfirmation(probe)) return false;
        _probeInFlight = true;
        return true;
    }

    public void RecordConfirmation(ProbeResult burst, DateTimeOffset at)
    {
        _probeInFlight = false;
        Probe = Probe.RecordConfirmation(burst, _settings.Probe!, at);
    }

    /// <summary>The probe status the rules weigh: none when the tunnel has no probe.</summary>
    private ProbeStatus? JudgedProbe => _settings.Probe is null ? null : Probe;

    // ---- Repairs ------------------------------------------------------------------------------------

    /// <summary>A repair starts: remembers the handshake it must beat.</summary>
    public void RepairStarting() => HandshakeBeforeRepair = LastObservation?.Peer?.LatestHandshake;

    /// <summary>The sign the repair was for arrived (see <see cref="HealthRules.IsRepairVerified"/>).</summary>
    public bool IsRepairVerified(TunnelObservation observation, DateTimeOffset repairStartedAt) =>
        HealthRules.IsRepairVerified(observation, _settings, repairStartedAt, HandshakeBeforeRepair, JudgedProbe);

    /// <summary>What verified a repair, for its record.</summary>
    public string VerifiedBy(TunnelObservation observation) => _settings.Probe is not null
        ? $"probe {_settings.Probe} answered"
        : $"fresh handshake at {observation.Peer?.LatestHandshake:O}";

    /// <summary>What was missing when a repair's verify timeout passed.</summary>
    public string NotVerifiedBecause => _settings.Probe is not null
        ? $"the probe did not answer ({Probe.LastError})"
        : "no fresh handshake";

    // ---- Diagnosis ----------------------------------------------------------------------------------

    /// <summary>The endpoint WireGuard sends to now, when it is an address: what an underlay ping targets.</summary>
    public string? EndpointAddress =>
        RepairLadder.HostOf(LastObservation?.Peer?.Endpoint) is { } host && IPAddress.TryParse(host, out _) ? host : null;

    /// <summary>
    /// The address to ping outside the tunnel while diagnosing: always with the operator's underlay probe; otherwise
    /// only when the tunnel is suspected of a shared cause and <paramref name="pingOnSharedCause"/>, where an answer
    /// clears the suspicion.
    /// </summary>
    public string? UnderlayTarget(bool pingOnSharedCause) =>
        _settings.UnderlayProbe || (pingOnSharedCause && SharedCause is not null) ? EndpointAddress : null;

    /// <summary>Everything known about the stale tunnel, with what was looked up for it just now.</summary>
    public Evidence Evidence(TunnelState state, EndpointResolution resolution, bool? underlayAnswers, string? underlayTarget) => new()
    {
        Interface = _settings.Interface,
        InterfacePresent = LastObservation?.InterfacePresent ?? false,
        PeerPresent = LastObservation?.Peer is not null,
        CurrentEndpoint = LastObservation?.Peer?.Endpoint,
        Resolution = resolution,
        UnderlayAnswers = underlayAnswers,
        UnderlayTarget = underlayTarget,
        UnderlayProbeConfigured = _settings.UnderlayProbe,
        SharedCause = SharedCause,
        LatestHandshake = LastObservation?.Peer?.LatestHandshake,
        Symptom = state.Reason ?? Verdict ?? "stale",
        FailedRepair = state.FailedAttempts > 0 ? state.LastRepair : null,
        Ladder = _settings.Ladder,
        LadderPositionRung = TunnelRules.NextRung(state, _settings),
    };

    /// <summary>Keeps the diagnosis shown while the episode lasts (null: forget it, the episode ended).</summary>
    public void Diagnosed(Diagnosis? diagnosis) => Diagnosis = diagnosis;

    // ---- What the operator sees ---------------------------------------------------------------------

    /// <summary>Something decided elsewhere that concerns this tunnel (cluster conflicts, budget fallback).</summary>
    public void Note(string warning)
    {
        if (_notes.Count == NotesShown) _notes.Dequeue();
        _notes.Enqueue(warning);
    }

    /// <summary>
    /// The set-up warnings, the latest notes, and what the watch itself finds wrong. The same list instance
    /// while its content stays the same, so that an unchanged summary compares equal and is not sent again.
    /// </summary>
    public IReadOnlyList<string> Warnings()
    {
        var neverAnswered = _settings.Probe is { } probe && !Probe.EverSucceeded && Probe.ConsecutiveFailures >= probe.FailuresBeforeStale;
        var idle = Verdict == HealthRules.IdleDetail;
        if (!neverAnswered && !idle && _notes.Count == 0) return _setupWarnings;
        var warnings = _setupWarnings.Concat(_notes).ToList();
        if (neverAnswered)
            warnings.Add($"the probe {_settings.Probe} has never answered since supervision started: check its address and route; " +
                         "it is not used to judge the tunnel until it answers once");
        if (idle) warnings.Add("this tunnel cannot be judged: give it PersistentKeepalive or a probe");
        _shownWarnings = _shownWarnings is not null && _shownWarnings.SequenceEqual(warnings) ? _shownWarnings : warnings;
        return _shownWarnings;
    }

    /// <summary>What the probes said, as shown (null: no probe configured).</summary>
    public ProbeSummary? ProbeSummary() => _settings.Probe is not { } probe
        ? null
        : new ProbeSummary(
            Target: probe.ToString(),
            LastSucceeded: Probe.LastSuccessAt is null && Probe.ConsecutiveFailures == 0 ? null : Probe.ConsecutiveFailures == 0,
            ConsecutiveFailures: Probe.ConsecutiveFailures,
            LastSuccessAt: Probe.LastSuccessAt,
            LastError: Probe.LastError);

    private static bool InEpisode(TunnelState state) => state.EpisodeStartedAt is not null;

    /// <summary>The tunnel as the operator sees it, in <paramref name="state"/>.</summary>
    /// <param name="awaitsFirstObservation">Observations are coming (the fleet polls): until the first, the tunnel is shown
    /// as recovering, its phase being only what the journal said.</param>
    public TunnelSummary Summary(TunnelState state, bool awaitsFirstObservation = false)
    {
        var peer = LastObservation?.Peer;
        var recovering = awaitsFirstObservation && LastObservation is null;
        return new TunnelSummary(
            Name: _settings.Name,
            Node: _node,
            Namespace: _settings.Namespace,
            Interface: _settings.Interface,
            PeerPublicKey: _settings.PeerPublicKey,
            Site: _settings.Site,
            Phase: state.Phase,
            PhaseSince: state.PhaseSince,
            Reason: recovering ? $"recovered from the journal{(state.Reason is { } reason ? $" ({reason})" : "")}; waiting for a first observation" : state.Reason,
            LatestHandshake: peer?.LatestHandshake,
            RxBytes: peer?.RxBytes ?? 0,
            TxBytes: peer?.TxBytes ?? 0,
            Endpoint: peer?.Endpoint,
            InterfacePresent: LastObservation?.InterfacePresent ?? false,
            ObservedAt: LastObservation?.At,
            RepairCount: state.RepairCount,
            CurrentRepair: state.CurrentRepair,
            LastRepair: state.LastRepair,
            BackoffUntil: state.BackoffUntil,
            Verdict: Verdict,
            Probe: ProbeSummary(),
            Warnings: Warnings(),
            QuarantinedUntil: state.QuarantinedUntil,
            Cause: InEpisode(state) ? Diagnosis?.Cause.ToWireName() : null,
            Diagnosis: InEpisode(state) ? Diagnosis?.Description : null,
            EpisodeStartedAt: state.EpisodeStartedAt,
            Recovering: recovering);
    }
}
