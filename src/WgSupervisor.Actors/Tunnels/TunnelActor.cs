using Akka.Actor;
using Akka.Event;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// Supervises one tunnel: judges each observation, asks the fleet for a permit when the tunnel is stale,
/// runs the repair rung the episode has reached, verifies it by a fresh handshake, and backs off when it
/// fails. The rules are <see cref="TunnelRules"/>; this actor records what they decide and acts on the phase
/// it lands in. Each phase is one method below that lists the messages it accepts.
/// </summary>
public sealed class TunnelActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string RepairDeadlineTimer = "repair-deadline";
    private const string BackoffTimer = "backoff";
    private const string ProbeTimer = "probe";
    private const string QuarantineTimer = "quarantine";

    /// <summary>Longest a repair action may run before it is counted as failed (its commands have their own limits).</summary>
    private static readonly TimeSpan ActionDeadline = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan RetireFlushLimit = TimeSpan.FromSeconds(10);

    private readonly TunnelSettings _settings;
    private readonly string _node;
    private readonly IActorRef _fleet;
    private readonly IWireGuard _wireGuard;
    private readonly IProber? _prober;
    private readonly IReadOnlyList<string> _warnings;
    private readonly Func<double> _unitRandom;
    private readonly HistorySettings _historySettings;
    private readonly IActorRef? _externalHistory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    private IActorRef _history = ActorRefs.Nobody;
    private TunnelState _state = TunnelState.Initial;
    private TunnelObservation? _lastObservation;
    private readonly Queue<TunnelSample> _samples = new();

    /// <summary>Observations kept for charts: an hour at a 5-s poll interval.</summary>
    private const int SamplesKept = 720;
    private TrafficHistory? _traffic;
    private ProbeStatus _probe = ProbeStatus.None;
    private bool _probing;
    private string? _verdict;
    private DateTimeOffset? _neverHandshakenSince;
    private DateTimeOffset? _handshakeBeforeRepair;
    private long? _permitId;
    // Start from a random number: a late reply to an earlier incarnation must not match this one's.
    private long _requestId = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _repairToken = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private bool _verifying;
    private TunnelSummary? _lastPublished;

    public TunnelActor(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, IProber? prober, Func<double> unitRandom,
        HistorySettings historySettings, IReadOnlyList<string> warnings, IActorRef? history)
    {
        _externalHistory = history;
        _settings = settings;
        _node = node;
        _fleet = fleet;
        _wireGuard = wireGuard;
        _prober = prober;
        _warnings = warnings;
        _unitRandom = unitRandom;
        _historySettings = historySettings;
        Initializing();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    /// <param name="prober">Sends the tunnel's probes; required when <see cref="TunnelSettings.Probe"/> is set.</param>
    /// <param name="warnings">Problems found in the tunnel's set-up, shown to the operator.</param>
    /// <param name="history">The tunnel's <see cref="TunnelHistory"/>, run by the fleet so that it outlives a restart of
    /// this actor; null: this actor runs its own as a child (fine where nothing restarts it).</param>
    public static Props Props(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, Func<double>? unitRandom = null,
        HistorySettings? historySettings = null, IProber? prober = null, IReadOnlyList<string>? warnings = null, IActorRef? history = null) =>
        Akka.Actor.Props.Create(() => new TunnelActor(settings, node, fleet, wireGuard, prober, unitRandom ?? Random.Shared.NextDouble,
            historySettings ?? HistorySettings.Default, warnings ?? Array.Empty<string>(), history));

    public static string PersistenceIdFor(string node, string tunnel) => $"tunnel:{node}:{tunnel}";

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        _fleet.Tell(new TunnelToFleet.TunnelIncarnated(_settings.Name));
        _history = _externalHistory ?? Context.ActorOf(TunnelHistory.Props(PersistenceIdFor(_node, _settings.Name), _historySettings), "history");
        _history.Tell(TunnelHistory.Attach.Instance);
        if (_settings.Probe is { } probe && _prober is not null) Timers.StartPeriodicTimer(ProbeTimer, ProbeDue.Instance, probe.Interval);
    }

    protected override void PostStop() => _stopping.Cancel();

    // ---- Phases -------------------------------------------------------------------------------------

    /// <summary>Until the history is read: everything waits.</summary>
    private void Initializing()
    {
        Receive<TunnelHistory.HistoryRecovered>(r =>
        {
            _state = r.State;
            Stash.UnstashAll();
            ResumeRecoveredPhase();
        });
        Receive<TunnelHistory.HistoryUnavailable>(u =>
        {
            _log.Warning("Tunnel {Tunnel}: {Reason}; supervising from scratch", _settings.Name, u.Reason);
            Stash.UnstashAll();
            Become(Watching);
        });
        Receive<TunnelHistory.HistoryBacklog>(ReportBacklog);
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>Unknown or Healthy: judging every observation.</summary>
    private void Watching()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<RestartRequested>(r => AcceptOperatorRestart(r));
        CommonHandlers();
    }

    /// <summary>Stale: waiting for a permit; withdrawn if the tunnel recovers first.</summary>
    private void Stale()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        // Only the grant of the current request counts; one for a withdrawn request goes back (below, in CommonHandlers).
        Receive<PermitGranted>(p => p.RequestId == _requestId, p =>
        {
            _permitId = p.PermitId;
            Transition([TunnelRules.OnPermitGranted(_state, _settings, Now)]);
        });
        Receive<RestartRequested>(r => Sender.Tell(new CommandAccepted(_settings.Name, "a repair is already queued")));
        CommonHandlers();
    }

    /// <summary>Restarting: the action runs, then a fresh handshake is awaited until the deadline.</summary>
    private void Restarting()
    {
        Receive<RepairActionCompleted>(c => c.RepairToken == _repairToken, c =>
        {
            if (!c.Result.Succeeded)
            {
                Transition(TunnelRules.OnRepairFailed(_state, _settings, RepairOutcome.ActionFailed, c.Result.Detail, Now, _unitRandom()));
                return;
            }
            var rung = _state.CurrentRepair!.Rung;
            _log.Info("Tunnel {Tunnel}: {Rung} done ({Detail}); verifying within {Timeout}", _settings.Name, rung.ToWireName(), c.Result.Detail,
                _settings.VerifyTimeoutFor(rung));
            _verifying = true;
            Timers.StartSingleTimer(RepairDeadlineTimer, new VerifyTimedOut(_repairToken), _settings.VerifyTimeoutFor(rung));
            // Look again at once rather than at the next interval: the repair may already have worked.
            _fleet.Tell(Observation.PollerActor.PollNow.Instance);
            if (_settings.Probe is not null) Self.Tell(ProbeDue.Instance);
            if (_lastObservation is not null) CheckVerification(_lastObservation);
        });
        Receive<Observed>(o =>
        {
            Remember(o.Observation);
            if (_verifying) CheckVerification(o.Observation);
            else Publish();
        });
        Receive<ProbeCompleted>(p =>
        {
            RecordProbe(p);
            if (_verifying && _lastObservation is not null) CheckVerification(_lastObservation);
            else Publish();
        });
        Receive<VerifyTimedOut>(t => t.RepairToken == _repairToken, _ =>
        {
            var outcome = _verifying ? RepairOutcome.VerifyTimedOut : RepairOutcome.ActionFailed;
            var detail = _verifying
                ? $"not verified within {HealthRules.Seconds(_settings.VerifyTimeoutFor(_state.CurrentRepair!.Rung))}: " +
                  (_settings.Probe is not null ? $"the probe did not answer ({_probe.LastError})" : "no fresh handshake")
                : $"the repair action did not finish within {HealthRules.Seconds(ActionDeadline)}";
            Transition(TunnelRules.OnRepairFailed(_state, _settings, outcome, detail, Now, _unitRandom()));
        });
        Receive<RestartRequested>(r => Sender.Tell(new CommandRejected(_settings.Name, "a repair is in flight")));
        CommonHandlers();
    }

    /// <summary>Backoff: waiting before the next rung; a tunnel that recovers meanwhile is healthy again.</summary>
    private void Backoff()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<BackoffElapsed>(_ => Transition(TunnelRules.WithQuarantine(_state, _settings, [TunnelRules.OnBackoffElapsed(_state, _settings, Now)], Now)));
        Receive<RestartRequested>(r => AcceptOperatorRestart(r));
        CommonHandlers();
    }

    /// <summary>Paused: observed and shown, never repaired.</summary>
    private void Paused()
    {
        Receive<Observed>(o => { Judge(o.Observation); Publish(); });
        Receive<ResumeRequested>(r => Command(TunnelRules.OnResume(_state, Now, r.By), "resumed; judged again at the next observation"));
        Receive<RestartRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, "the tunnel is paused: resume it first")));
        CommonHandlers();
    }

    /// <summary>Quarantined: no automatic repair until the window passes or an operator releases it; recovering ends it.</summary>
    private void Quarantined()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<QuarantineWindowPassed>(_ => Transition(TunnelRules.OnQuarantineWindowPassed(_state, Now)));
        Receive<ReleaseRequested>(r => Command(TunnelRules.OnOperatorRelease(_state, Now, r.By), "released; judged again at the next observation"));
        Receive<RestartRequested>(r => AcceptOperatorRestart(r));
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        Receive<GetSamples>(_ => Sender.Tell(new Samples(_settings.Name, _samples.ToList())));
        Receive<Note>(n =>
        {
            _notes.Add(n.Warning);
            _log.Warning("Tunnel {Tunnel}: {Warning}", _settings.Name, n.Warning);
            Transition([n.Event]);
        });
        Receive<PauseRequested>(p => Command(TunnelRules.OnPause(_state, Now, p.By, p.Reason), "paused: observed, never repaired"));
        Receive<ResumeRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, $"not paused (phase {_state.Phase})")));
        Receive<ReleaseRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, $"not quarantined (phase {_state.Phase})")));
        Receive<QuarantineWindowPassed>(_ => { });
        Receive<Retire>(r =>
        {
            Transition([new TunnelRetired(Now, r.Reason)]);
            _log.Info("Tunnel {Tunnel} retired: {Reason}", _settings.Name, r.Reason);
            if (_settings.Probe is not null) Timers.Cancel(ProbeTimer);
            Timers.StartSingleTimer(RetireTimedOut.Instance, RetireTimedOut.Instance, RetireFlushLimit);
            Become(Retiring);
        });
        Receive<ProbeDue>(_ => StartProbe());
        Receive<ProbeCompleted>(p => { RecordProbe(p); Publish(); });
        // A permit that arrives when none is wanted (withdrawal crossed the grant) goes straight back.
        Receive<PermitGranted>(p => _fleet.Tell(new TunnelToFleet.ReleasePermit(_settings.Name, p.PermitId)));
        Receive<TunnelHistory.HistoryBacklog>(ReportBacklog);
        Receive<RepairActionCompleted>(_ => { });
        Receive<VerifyTimedOut>(_ => { });
        Receive<BackoffElapsed>(_ => { });
    }

    /// <summary>Retired: waits until the history has written the retirement (or a limit passes), then stops.</summary>
    private void Retiring()
    {
        Receive<TunnelHistory.HistoryBacklog>(b => b.PendingEvents == 0, _ => StopWithHistory());
        Receive<RetireTimedOut>(_ => StopWithHistory());
        ReceiveAny(_ => { });
    }

    private void StopWithHistory()
    {
        if (_externalHistory is not null) _externalHistory.Tell(PoisonPill.Instance);
        Context.Stop(Self);
    }

    // ---- Transitions --------------------------------------------------------------------------------

    private void ResumeRecoveredPhase()
    {
        _log.Info("Tunnel {Tunnel} recovered in {Phase}", _settings.Name, _state.Phase);
        switch (_state.Phase)
        {
            case TunnelPhase.Restarting when _state.CurrentRepair is not null:
                Transition(TunnelRules.OnRepairFailed(_state, _settings, RepairOutcome.Interrupted,
                    "the supervisor stopped while this repair was in flight", Now, _unitRandom()), TunnelPhase.Unknown);
                break;
            case TunnelPhase.Restarting:
                Transition([TunnelRules.OnBackoffMissing(_state, _settings, Now, _unitRandom())], TunnelPhase.Unknown);
                break;
            default:
                EnterPhase(TunnelPhase.Unknown);
                break;
        }
        Publish();
    }

    private void Transition(IReadOnlyList<ITunnelEvent> events) => Transition(events, _state.Phase);

    private void Transition(IReadOnlyList<ITunnelEvent> events, TunnelPhase previous)
    {
        if (events.Count == 0)
        {
            Publish();
            return;
        }
        foreach (var e in events)
        {
            var before = _state.Phase;
            _state = _state.Apply(e);
            _history.Tell(new TunnelHistory.Record(e));
            LogEvent(e);
            Context.System.EventStream.Publish(new EventRecorded(_settings.Name, _node, _settings.Interface, _settings.PeerPublicKey, _settings.Site, e, before));
        }
        if (_state.Phase != previous || events.Any(e => e is TunnelWentStale)) EnterPhase(previous);
        Publish();
    }

    /// <summary>The effects of landing in the current phase, coming from <paramref name="previous"/>.</summary>
    private void EnterPhase(TunnelPhase previous)
    {
        if (previous == TunnelPhase.Restarting) ReleasePermit();
        if (previous == TunnelPhase.Stale && _state.Phase is not (TunnelPhase.Stale or TunnelPhase.Restarting))
            _fleet.Tell(new TunnelToFleet.WithdrawPermitRequest(_settings.Name));
        Timers.Cancel(RepairDeadlineTimer);
        Timers.Cancel(BackoffTimer);
        Timers.Cancel(QuarantineTimer);
        _verifying = false;
        switch (_state.Phase)
        {
            case TunnelPhase.Unknown or TunnelPhase.Healthy:
                Become(Watching);
                break;
            case TunnelPhase.Paused:
                Become(Paused);
                break;
            case TunnelPhase.Quarantined:
                if (_state.QuarantinedUntil is { } until)
                    Timers.StartSingleTimer(QuarantineTimer, QuarantineWindowPassed.Instance, until - Now > TimeSpan.Zero ? until - Now : TimeSpan.Zero);
                Become(Quarantined);
                break;
            case TunnelPhase.Stale:
                _fleet.Tell(new TunnelToFleet.RequestPermit(BuildPermitRequest()));
                Become(Stale);
                break;
            case TunnelPhase.Restarting:
                StartRepair(_state.CurrentRepair!);
                Become(Restarting);
                break;
            case TunnelPhase.Backoff:
                var remaining = _state.BackoffUntil!.Value - Now;
                Timers.StartSingleTimer(BackoffTimer, BackoffElapsed.Instance, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
                Become(Backoff);
                break;
        }
    }

    private void StartRepair(RepairInFlight repair)
    {
        var token = ++_repairToken;
        _handshakeBeforeRepair = _lastObservation?.Peer?.LatestHandshake;
        Timers.StartSingleTimer(RepairDeadlineTimer, new VerifyTimedOut(token), ActionDeadline);
        _wireGuard.RepairAsync(repair.Rung, _settings, _stopping.Token).PipeTo(Self,
            success: result => new RepairActionCompleted(token, result),
            failure: error => new RepairActionCompleted(token, RepairActionResult.Failed(error.GetBaseException().Message)));
    }

    private void CheckVerification(TunnelObservation observation)
    {
        var repair = _state.CurrentRepair!;
        // Verified means the sign the repair was for arrived, and the tunnel is judged sound by the usual rules too:
        // a "success" that the next judgement calls stale would loop.
        if (!HealthRules.IsRepairVerified(observation, _settings, repair.StartedAt, _handshakeBeforeRepair, _settings.Probe is null ? null : _probe) ||
            Judge(observation) is HealthVerdict.Stale)
        {
            Publish();
            return;
        }
        var detail = _settings.Probe is not null
            ? $"probe {_settings.Probe} answered"
            : $"fresh handshake at {observation.Peer?.LatestHandshake:O}";
        Transition(TunnelRules.OnRepairVerified(_state, Now, detail));
    }

    // ---- Probes -------------------------------------------------------------------------------------

    private void StartProbe()
    {
        if (_probing || _prober is null || _settings.Probe is not { } probe) return;
        // No interface, nothing to send through: that is already judged from the poll.
        if (_lastObservation is { InterfacePresent: false }) return;
        _probing = true;
        _prober.ProbeAsync(_settings.Namespace, probe, _stopping.Token).PipeTo(Self,
            success: result => new ProbeCompleted(result),
            failure: error => new ProbeCompleted(ProbeResult.Failed(error.GetBaseException().Message)));
    }

    private void RecordProbe(ProbeCompleted completed)
    {
        _probing = false;
        var wasEverAnswered = _probe.EverSucceeded;
        _probe = _probe.Record(completed.Result, Now);
        if (!wasEverAnswered && _probe.EverSucceeded) _log.Info("Tunnel {Tunnel}: probe {Probe} answers", _settings.Name, _settings.Probe);
    }

    /// <summary>Judges the last observation again in the light of a new probe result.</summary>
    private void Rejudge()
    {
        if (_lastObservation is null) Publish();
        else Transition(Judged(_lastObservation));
    }

    /// <summary>The events of an operator's command, and its answer.</summary>
    private void Command(IReadOnlyList<ITunnelEvent> events, string detail)
    {
        Transition(events);
        Sender.Tell(events.Count > 0
            ? new CommandAccepted(_settings.Name, detail)
            : new CommandRejected(_settings.Name, $"nothing to do in phase {_state.Phase}"));
    }

    /// <summary>An observation's verdict as events, with the flapping quarantine applied.</summary>
    private IReadOnlyList<ITunnelEvent> Judged(TunnelObservation observation) =>
        TunnelRules.WithQuarantine(_state, _settings, TunnelRules.OnVerdict(_state, Judge(observation), Now), Now);

    private void AcceptOperatorRestart(RestartRequested request)
    {
        var events = TunnelRules.OnOperatorRestart(_state, Now, request.By);
        Transition(events);
        Sender.Tell(events.Count > 0
            ? new CommandAccepted(_settings.Name, "queued for a repair permit")
            : new CommandRejected(_settings.Name, $"cannot restart in phase {_state.Phase}"));
    }

    private void ReleasePermit()
    {
        if (_permitId is { } id) _fleet.Tell(new TunnelToFleet.ReleasePermit(_settings.Name, id));
        _permitId = null;
    }

    private PermitRequest BuildPermitRequest() => new(
        _settings.Name,
        _settings.Key.InterfaceKey,
        _settings.Site,
        TunnelRules.NextRung(_state, _settings).IsInterfaceWide(),
        _state.EpisodeStartedAt ?? Now,
        Now,
        ++_requestId);

    // ---- Observation --------------------------------------------------------------------------------

    private HealthVerdict Judge(TunnelObservation observation)
    {
        if (!ReferenceEquals(observation, _lastObservation)) Remember(observation);
        var verdict = HealthRules.Judge(observation, _settings, Now, _neverHandshakenSince ?? Now, _settings.Probe is null ? null : _probe, _traffic);
        _verdict = verdict switch
        {
            HealthVerdict.Healthy h => h.Detail,
            HealthVerdict.Stale s => s.Detail,
            HealthVerdict.Undecided u => u.Detail,
            _ => null,
        };
        return verdict;
    }

    private void Remember(TunnelObservation observation)
    {
        _lastObservation = observation;
        if (_samples.Count >= SamplesKept) _samples.Dequeue();
        var handshake = observation.Peer?.LatestHandshake;
        _samples.Enqueue(new TunnelSample(observation.At, handshake is { } h ? Math.Max(0, Math.Round((observation.At - h).TotalSeconds, 1)) : null,
            observation.Peer?.RxBytes ?? 0, observation.Peer?.TxBytes ?? 0, _state.Phase));
        if (observation.Peer is { LatestHandshake: null }) _neverHandshakenSince ??= Now;
        else _neverHandshakenSince = null;
        if (observation.Peer is { } peer) _traffic = _traffic is null ? TrafficHistory.Start(peer, Now) : _traffic.Observe(peer, Now);
    }

    private void Publish()
    {
        var peer = _lastObservation?.Peer;
        var summary = new TunnelSummary(_settings.Name, _node, _settings.Namespace, _settings.Interface, _settings.PeerPublicKey,
            _settings.Site, _state.Phase, _state.PhaseSince, _state.Reason, peer?.LatestHandshake, peer?.RxBytes ?? 0, peer?.TxBytes ?? 0,
            peer?.Endpoint, _lastObservation?.InterfacePresent ?? false, _lastObservation?.At, _state.RepairCount, _state.CurrentRepair,
            _state.LastRepair, _state.BackoffUntil, _verdict, ProbeSummaryNow(), CurrentWarnings(), _state.QuarantinedUntil);
        if (summary == _lastPublished) return;
        _lastPublished = summary;
        _fleet.Tell(new TunnelToFleet.TunnelChanged(summary));
    }

    private ProbeSummary? ProbeSummaryNow() => _settings.Probe is not { } probe
        ? null
        : new ProbeSummary(probe.ToString(), _probe.LastSuccessAt is null && _probe.ConsecutiveFailures == 0 ? null : _probe.ConsecutiveFailures == 0,
            _probe.ConsecutiveFailures, _probe.LastSuccessAt, _probe.LastError);

    private IReadOnlyList<string> CurrentWarnings()
    {
        var neverAnswered = _settings.Probe is { } probe && !_probe.EverSucceeded && _probe.ConsecutiveFailures >= probe.FailuresBeforeStale;
        var idle = _verdict == HealthRules.IdleDetail;
        if (!neverAnswered && !idle && _notes.Count == 0) return _warnings;
        var warnings = _warnings.Concat(_notes.TakeLast(5)).ToList();
        if (neverAnswered)
            warnings.Add($"the probe {_settings.Probe} has never answered since supervision started: check its address and route; " +
                         "it is not used to judge the tunnel until it answers once");
        if (idle) warnings.Add("this tunnel cannot be judged: give it PersistentKeepalive or a probe");
        _cachedWarnings = _cachedWarnings is not null && _cachedWarnings.SequenceEqual(warnings) ? _cachedWarnings : warnings;
        return _cachedWarnings;
    }

    private IReadOnlyList<string>? _cachedWarnings;
    private readonly List<string> _notes = [];

    private void ReportBacklog(TunnelHistory.HistoryBacklog backlog) =>
        _fleet.Tell(new TunnelToFleet.HistoryStatus(_settings.Name, backlog.PendingEvents, backlog.Problem));

    private void LogEvent(ITunnelEvent e)
    {
        switch (e)
        {
            case TunnelWentStale s:
                _log.Warning("Tunnel {Tunnel} went stale ({StaleReason}): {Detail}", _settings.Name, s.Reason, s.Detail);
                break;
            case TunnelBecameHealthy h:
                _log.Info("Tunnel {Tunnel} is healthy: {Detail}", _settings.Name, h.Reason);
                break;
            case RepairStarted r:
                _log.Info("Tunnel {Tunnel}: repair {Rung} attempt {Attempt} started (by {RequestedBy})", _settings.Name,
                    r.Rung.ToWireName(), r.Attempt, r.By);
                break;
            case RepairFinished f:
                _log.Info("Tunnel {Tunnel}: repair {Rung} finished {Outcome} after {Duration}: {Detail}", _settings.Name,
                    f.Rung.ToWireName(), f.Outcome, f.Duration, f.Detail);
                break;
            case TunnelQuarantined q:
                _log.Warning("Tunnel {Tunnel} quarantined: {Reason}", _settings.Name, q.Reason);
                break;
            case TunnelPaused or TunnelResumed or TunnelReleased:
                _log.Info("Tunnel {Tunnel}: {Event}", _settings.Name, e);
                break;
            case BackoffStarted b:
                _log.Info("Tunnel {Tunnel}: backing off until {Until:O} after {Failed} failed repair(s)", _settings.Name, b.Until,
                    b.FailedAttempts);
                break;
        }
    }
}
