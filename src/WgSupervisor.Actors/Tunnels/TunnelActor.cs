using Akka.Actor;
using Akka.Event;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// Supervises one tunnel: judges each observation, asks the fleet for a permit when the tunnel is stale,
/// runs the repair rung the episode has reached, verifies it by a fresh handshake, and backs off when it
/// fails. The rules are <see cref="TunnelRules"/> (the phase) and <see cref="TunnelWatch"/> (what is watched
/// beside it); this actor records what they decide and does what the phase it lands in calls for: timers,
/// repairs, probes, the history, the fleet. Each phase is one method below that lists the messages it accepts;
/// how each effect is carried out is in TunnelActor.Effects.cs.
/// </summary>
public sealed partial class TunnelActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string RepairDeadlineTimer = "repair-deadline";
    private const string BackoffTimer = "backoff";
    private const string ProbeTimer = "probe";
    private const string QuarantineTimer = "quarantine";
    private const string ReassessTimer = "reassess";
    private const string FreshObservationTimer = "fresh-observation";

    /// <summary>How long a diagnosis waits for an observation newer than itself (the probe may have seen the fault first).</summary>
    private static readonly TimeSpan FreshObservationWait = TimeSpan.FromSeconds(1);

    /// <summary>How often a held tunnel looks again at the evidence that holds it (the fleet's word also wakes it at once).</summary>
    private static readonly TimeSpan ReassessEvery = TimeSpan.FromSeconds(2);

    /// <summary>Longest a repair action may run before it is counted as failed (its commands have their own limits).</summary>
    private static readonly TimeSpan ActionDeadline = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan RetireFlushLimit = TimeSpan.FromSeconds(10);

    private readonly TunnelSettings _settings;
    private readonly string _node;
    private readonly IActorRef _fleet;
    private readonly IWireGuard _wireGuard;
    private readonly IProber? _prober;
    private readonly Func<double> _unitRandom;
    private readonly HistorySettings _historySettings;
    private readonly IActorRef? _externalHistory;
    private readonly TunnelWatch _watch;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    private IActorRef _history = ActorRefs.Nobody;
    private TunnelState _state = TunnelState.Initial;
    private long? _permitId;
    // Start from a random number: a late reply to an earlier incarnation must not match this one's.
    private long _requestId = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _repairToken = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _evidenceToken;
    // The diagnosis whose rung waits for a permit.
    private Diagnosis? _diagnosis;
    // While held: since when the evidence no longer holds the repairs (null: it still does).
    private DateTimeOffset? _holdClearedAt;
    // What the diagnosis looked up, until an observation is fresh enough to judge it with.
    private EvidenceGathered? _gathered;
    private DateTimeOffset _gatheringSince;
    private bool _freshWaitOver;
    // Whether the fleet wants the endpoint pinged when a shared cause is suspected (CommonCause:PingEndpoints).
    private bool _pingOnSharedCause;
    // Whether the last evidence had the endpoint's address answering outside the tunnel.
    private bool _underlayAnswered;
    private readonly bool _polled;
    private TunnelSummary? _lastPublished;

    public TunnelActor(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, IProber? prober, Func<double> unitRandom,
        HistorySettings historySettings, IReadOnlyList<string> warnings, IActorRef? history, bool polled)
    {
        _polled = polled;
        _settings = settings;
        _node = node;
        _fleet = fleet;
        _wireGuard = wireGuard;
        _prober = prober;
        _unitRandom = unitRandom;
        _historySettings = historySettings;
        _externalHistory = history;
        _watch = new TunnelWatch(settings, node, warnings);
        Initializing();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    /// <param name="prober">Sends the tunnel's probes; required when <see cref="TunnelSettings.Probe"/> is set.</param>
    /// <param name="warnings">Problems found in the tunnel's set-up, shown to the operator.</param>
    /// <param name="history">The tunnel's <see cref="TunnelHistory"/>, run by the fleet so that it outlives a restart of
    /// this actor; null: this actor runs its own as a child (fine where nothing restarts it).</param>
    public static Props Props(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, Func<double>? unitRandom = null,
        HistorySettings? historySettings = null, IProber? prober = null, IReadOnlyList<string>? warnings = null, IActorRef? history = null,
        bool polled = false) =>
        Akka.Actor.Props.Create(() => new TunnelActor(settings, node, fleet, wireGuard, prober, unitRandom ?? Random.Shared.NextDouble,
            historySettings ?? HistorySettings.Default, warnings ?? Array.Empty<string>(), history, polled));

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

    // ---- Phases, in the order of the state diagram ---------------------------------------------------

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
        Receive<ProbeConfirmed>(ConfirmAndRejudge);
        Receive<RestartRequested>(AcceptOperatorRestart);
        CommonHandlers();
    }

    /// <summary>Stale: diagnosing, then waiting for a permit for the rung the diagnosis chose; withdrawn if the tunnel recovers first.</summary>
    private void Stale()
    {
        Receive<Observed>(o =>
        {
            Transition(Judged(o.Observation));
            if (_state.Phase == TunnelPhase.Stale) DiagnoseWhenFresh();
        });
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<ProbeConfirmed>(ConfirmAndRejudge);
        Receive<EvidenceGathered>(e => e.Token == _evidenceToken, e =>
        {
            _gathered = e;
            DiagnoseWhenFresh();
        });
        Receive<FreshObservationWaited>(_ =>
        {
            _freshWaitOver = true;
            DiagnoseWhenFresh();
        });
        Receive<SharedCauseChanged>(c =>
        {
            var appeared = c.Cause is not null && _watch.SharedCause is null;
            NoteSharedCause(c);
            if (appeared && _state.StaleReason != StaleReason.OperatorRequest) RethinkUnderSharedCause();
        });
        // Only the grant of the current request counts; one for a withdrawn request goes back (below, in CommonHandlers).
        Receive<PermitGranted>(p => p.RequestId == _requestId, p =>
        {
            _permitId = p.PermitId;
            Transition([TunnelRules.OnPermitGranted(_state, _settings, Now, _diagnosis)]);
        });
        Receive<RestartRequested>(_ => Sender.Tell(new CommandAccepted(_settings.Name, "a repair is already queued")));
        CommonHandlers();
    }

    /// <summary>Restarting, while the repair action runs (under <see cref="ActionDeadline"/>).</summary>
    private void Repairing()
    {
        Receive<RepairActionCompleted>(c => c.RepairToken == _repairToken, c =>
        {
            if (c.Result.Succeeded) StartVerifying(c.Result);
            else Transition(TunnelRules.OnRepairFailed(_state, _settings, RepairOutcome.ActionFailed, c.Result.Detail, Now, _unitRandom()));
        });
        Receive<Observed>(o => { _watch.Observe(o.Observation, _state.Phase, Now); Publish(); });
        Receive<VerifyTimedOut>(t => t.RepairToken == _repairToken, _ => Transition(TunnelRules.OnRepairFailed(_state, _settings,
            RepairOutcome.ActionFailed, $"the repair action did not finish within {HealthRules.Seconds(ActionDeadline)}", Now, _unitRandom())));
        Receive<RestartRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, "a repair is in flight")));
        CommonHandlers();
    }

    /// <summary>Restarting, once the action is done: verified by the sign it was for, or failed at the rung's verify timeout.</summary>
    private void Verifying()
    {
        Receive<Observed>(o =>
        {
            _watch.Observe(o.Observation, _state.Phase, Now);
            CheckVerification(o.Observation);
        });
        Receive<ProbeCompleted>(p =>
        {
            RecordProbe(p);
            if (_watch.LastObservation is { } last) CheckVerification(last);
            else Publish();
        });
        Receive<ProbeConfirmed>(c =>
        {
            _watch.RecordConfirmation(c.Result, Now);
            if (_watch.LastObservation is not { } last) Publish();
            else if (c.Result.Succeeded) CheckVerification(last);
            else FailEarlyIfUnanswered(last);
        });
        Receive<VerifyTimedOut>(t => t.RepairToken == _repairToken, _ => Transition(TunnelRules.OnRepairFailed(_state, _settings,
            RepairOutcome.VerifyTimedOut, $"not verified within {HealthRules.Seconds(VerifyTimeout)}: {_watch.NotVerifiedBecause}", Now, _unitRandom())));
        Receive<RestartRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, "a repair is in flight")));
        CommonHandlers();
    }

    /// <summary>Backoff: waiting before the next rung; a tunnel that recovers meanwhile is healthy again.</summary>
    private void Backoff()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<ProbeConfirmed>(ConfirmAndRejudge);
        Receive<BackoffElapsed>(_ => Transition(TunnelRules.WithQuarantine(_state, _settings, [TunnelRules.OnBackoffElapsed(_state, _settings, Now)], Now)));
        Receive<RestartRequested>(AcceptOperatorRestart);
        CommonHandlers();
    }

    /// <summary>Held: the diagnosis found a cause no repair here can fix; watched, and looked at again until it clears.</summary>
    private void Held()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<ProbeConfirmed>(ConfirmAndRejudge);
        Receive<ReassessDue>(_ => GatherEvidence(freshObservation: false));
        Receive<SharedCauseChanged>(c =>
        {
            NoteSharedCause(c);
            GatherEvidence(freshObservation: false);
        });
        Receive<EvidenceGathered>(e => e.Token == _evidenceToken, e => EndHoldWhenCleared(Diagnose(e)));
        Receive<RestartRequested>(AcceptOperatorRestart);
        CommonHandlers();
    }

    /// <summary>Quarantined: no automatic repair until the window passes or an operator releases it; recovering ends it.</summary>
    private void Quarantined()
    {
        Receive<Observed>(o => Transition(Judged(o.Observation)));
        Receive<ProbeCompleted>(p => { RecordProbe(p); Rejudge(); });
        Receive<ProbeConfirmed>(ConfirmAndRejudge);
        Receive<QuarantineWindowPassed>(_ => Transition(TunnelRules.OnQuarantineWindowPassed(_state, Now)));
        Receive<ReleaseRequested>(r => Command(TunnelRules.OnOperatorRelease(_state, Now, r.By), "released; judged again at the next observation"));
        Receive<RestartRequested>(AcceptOperatorRestart);
        CommonHandlers();
    }

    /// <summary>Paused: observed and shown, never repaired.</summary>
    private void Paused()
    {
        Receive<Observed>(o => { _watch.Judge(o.Observation, _state.Phase, Now); Publish(); });
        Receive<ResumeRequested>(r => Command(TunnelRules.OnResume(_state, Now, r.By), "resumed; judged again at the next observation"));
        Receive<RestartRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, "the tunnel is paused: resume it first")));
        CommonHandlers();
    }

    /// <summary>What every phase but Initializing and Retiring accepts (each phase's own handlers come first).</summary>
    private void CommonHandlers()
    {
        Receive<GetSamples>(_ => Sender.Tell(new Samples(_settings.Name, _watch.Samples)));
        Receive<Note>(n =>
        {
            _watch.Note(n.Warning);
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
        Receive<ProbeConfirmed>(c => { _watch.RecordConfirmation(c.Result, Now); Publish(); });
        Receive<SharedCauseChanged>(NoteSharedCause);
        Receive<EvidenceGathered>(_ => { });
        Receive<ReassessDue>(_ => { });
        Receive<FreshObservationWaited>(_ => { });
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

    // ---- Transitions --------------------------------------------------------------------------------

    private void ResumeRecoveredPhase()
    {
        _log.Info("Tunnel {Tunnel} recovered in {Phase}", _settings.Name, _state.Phase);
        var events = TunnelRules.OnRecovered(_state, _settings, Now, _unitRandom);
        // As if coming from Unknown: the recovered phase's timers and permit request are set up anew.
        if (events.Count > 0) Transition(events, TunnelPhase.Unknown);
        else EnterPhase(TunnelPhase.Unknown);
        Publish();
    }

    private void NoteSharedCause(SharedCauseChanged changed)
    {
        _watch.SharedCause = changed.Cause;
        _pingOnSharedCause = changed.PingEndpoint;
    }

    private void Transition(IReadOnlyList<ITunnelEvent> events) => Transition(events, _state.Phase);

    /// <summary>Applies, records, logs and publishes each event, then enters the phase they lead to.</summary>
    private void Transition(IReadOnlyList<ITunnelEvent> events, TunnelPhase previous)
    {
        foreach (var e in events)
        {
            var before = _state.Phase;
            _state = _state.Apply(e);
            _history.Tell(new TunnelHistory.Record(e));
            TunnelEventLog.Write(_log, _settings.Name, e);
            Context.System.EventStream.Publish(new EventRecorded(_settings.Name, _node, _settings.Interface, _settings.PeerPublicKey, _settings.Site, e, before));
        }
        if (events.Count > 0 && (_state.Phase != previous || events.Any(e => e is TunnelWentStale))) EnterPhase(previous);
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
        Timers.Cancel(ReassessTimer);
        Timers.Cancel(FreshObservationTimer);
        _diagnosis = null;
        _gathered = null;
        _underlayAnswered = false;
        switch (_state.Phase)
        {
            case TunnelPhase.Unknown or TunnelPhase.Healthy:
                _watch.Diagnosed(null);
                Become(Watching);
                break;
            case TunnelPhase.Stale:
                // An operator's restart is not diagnosed: they asked for the ladder's next rung.
                if (_state.StaleReason == StaleReason.OperatorRequest) RequestPermit();
                else GatherEvidence(freshObservation: true);
                Become(Stale);
                break;
            case TunnelPhase.Held:
                _holdClearedAt = null;
                Timers.StartPeriodicTimer(ReassessTimer, ReassessDue.Instance, ReassessEvery);
                Become(Held);
                break;
            case TunnelPhase.Restarting:
                StartRepair(_state.CurrentRepair!);
                Become(Repairing);
                break;
            case TunnelPhase.Backoff:
                Timers.StartSingleTimer(BackoffTimer, BackoffElapsed.Instance, Remaining(_state.BackoffUntil!.Value));
                Become(Backoff);
                break;
            case TunnelPhase.Quarantined:
                if (_state.QuarantinedUntil is { } until) Timers.StartSingleTimer(QuarantineTimer, QuarantineWindowPassed.Instance, Remaining(until));
                Become(Quarantined);
                break;
            case TunnelPhase.Paused:
                Become(Paused);
                break;
        }
    }

    private TimeSpan Remaining(DateTimeOffset until) => until - Now > TimeSpan.Zero ? until - Now : TimeSpan.Zero;
}
