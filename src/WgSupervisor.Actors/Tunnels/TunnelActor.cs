using Akka.Actor;
using Akka.Event;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
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

    /// <summary>Longest a repair action may run before it is counted as failed (its commands have their own limits).</summary>
    private static readonly TimeSpan ActionDeadline = TimeSpan.FromMinutes(2);

    private readonly TunnelSettings _settings;
    private readonly string _node;
    private readonly IActorRef _fleet;
    private readonly IWireGuard _wireGuard;
    private readonly Func<double> _unitRandom;
    private readonly HistorySettings _historySettings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    private IActorRef _history = ActorRefs.Nobody;
    private TunnelState _state = TunnelState.Initial;
    private TunnelObservation? _lastObservation;
    private DateTimeOffset? _neverHandshakenSince;
    private DateTimeOffset? _handshakeBeforeRepair;
    private long? _permitId;
    private long _repairToken;
    private bool _verifying;
    private TunnelSummary? _lastPublished;

    public TunnelActor(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, Func<double> unitRandom,
        HistorySettings historySettings)
    {
        _settings = settings;
        _node = node;
        _fleet = fleet;
        _wireGuard = wireGuard;
        _unitRandom = unitRandom;
        _historySettings = historySettings;
        Initializing();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public static Props Props(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, Func<double>? unitRandom = null,
        HistorySettings? historySettings = null) =>
        Akka.Actor.Props.Create(() => new TunnelActor(settings, node, fleet, wireGuard, unitRandom ?? Random.Shared.NextDouble,
            historySettings ?? HistorySettings.Default));

    public static string PersistenceIdFor(string node, string tunnel) => $"tunnel:{node}:{tunnel}";

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        _fleet.Tell(new FleetProtocol.TunnelIncarnated(_settings.Name));
        _history = Context.ActorOf(TunnelHistory.Props(PersistenceIdFor(_node, _settings.Name), _historySettings), "history");
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
        Receive<Observed>(o => Transition(TunnelRules.OnVerdict(_state, Judge(o.Observation), Now)));
        Receive<RestartRequested>(r => AcceptOperatorRestart(r));
        CommonHandlers();
    }

    /// <summary>Stale: waiting for a permit; withdrawn if the tunnel recovers first.</summary>
    private void Stale()
    {
        Receive<Observed>(o => Transition(TunnelRules.OnVerdict(_state, Judge(o.Observation), Now)));
        Receive<PermitGranted>(p =>
        {
            _permitId = p.PermitId;
            Transition([TunnelRules.OnPermitGranted(_state, _settings, Now)]);
        });
        Receive<RestartRequested>(r => Sender.Tell(new RestartAccepted(_settings.Name, "a repair is already queued")));
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
            _log.Info("Tunnel {Tunnel}: {Rung} done ({Detail}); verifying within {Timeout}", _settings.Name,
                _state.CurrentRepair!.Rung.ToWireName(), c.Result.Detail, _settings.VerifyTimeout);
            _verifying = true;
            Timers.StartSingleTimer(RepairDeadlineTimer, new VerifyTimedOut(_repairToken), _settings.VerifyTimeout);
            if (_lastObservation is not null) CheckVerification(_lastObservation);
        });
        Receive<Observed>(o =>
        {
            Remember(o.Observation);
            if (_verifying) CheckVerification(o.Observation);
            else Publish();
        });
        Receive<VerifyTimedOut>(t => t.RepairToken == _repairToken, _ =>
        {
            var outcome = _verifying ? RepairOutcome.VerifyTimedOut : RepairOutcome.ActionFailed;
            var detail = _verifying
                ? $"no fresh handshake within {HealthRules.Seconds(_settings.VerifyTimeout)}"
                : $"the repair action did not finish within {HealthRules.Seconds(ActionDeadline)}";
            Transition(TunnelRules.OnRepairFailed(_state, _settings, outcome, detail, Now, _unitRandom()));
        });
        Receive<RestartRequested>(r => Sender.Tell(new RestartRejected(_settings.Name, "a repair is in flight")));
        CommonHandlers();
    }

    /// <summary>Backoff: waiting before the next rung; a tunnel that recovers meanwhile is healthy again.</summary>
    private void Backoff()
    {
        Receive<Observed>(o => Transition(TunnelRules.OnVerdict(_state, Judge(o.Observation), Now)));
        Receive<BackoffElapsed>(_ => Transition([TunnelRules.OnBackoffElapsed(_state, _settings, Now)]));
        Receive<RestartRequested>(r => AcceptOperatorRestart(r));
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        // A permit that arrives when none is wanted (withdrawal crossed the grant) goes straight back.
        Receive<PermitGranted>(p => _fleet.Tell(new FleetProtocol.ReleasePermit(_settings.Name, p.PermitId)));
        Receive<TunnelHistory.HistoryBacklog>(ReportBacklog);
        Receive<RepairActionCompleted>(_ => { });
        Receive<VerifyTimedOut>(_ => { });
        Receive<BackoffElapsed>(_ => { });
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
            _state = _state.Apply(e);
            _history.Tell(new TunnelHistory.Record(e));
            LogEvent(e);
        }
        if (_state.Phase != previous || events.Any(e => e is TunnelWentStale)) EnterPhase(previous);
        Publish();
    }

    /// <summary>The effects of landing in the current phase, coming from <paramref name="previous"/>.</summary>
    private void EnterPhase(TunnelPhase previous)
    {
        if (previous == TunnelPhase.Restarting) ReleasePermit();
        Timers.CancelAll();
        _verifying = false;
        switch (_state.Phase)
        {
            case TunnelPhase.Unknown or TunnelPhase.Healthy:
                if (previous == TunnelPhase.Stale) _fleet.Tell(new FleetProtocol.WithdrawPermitRequest(_settings.Name));
                Become(Watching);
                break;
            case TunnelPhase.Stale:
                _fleet.Tell(new FleetProtocol.RequestPermit(BuildPermitRequest()));
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
        var handshake = observation.Peer?.LatestHandshake;
        if (observation.InterfacePresent && HealthRules.IsFreshSince(handshake, repair.StartedAt, _handshakeBeforeRepair))
            Transition(TunnelRules.OnRepairVerified(_state, Now, $"fresh handshake at {handshake:O}"));
        else
            Publish();
    }

    private void AcceptOperatorRestart(RestartRequested request)
    {
        var events = TunnelRules.OnOperatorRestart(_state, Now, request.RequestedBy);
        Transition(events);
        Sender.Tell(events.Count > 0
            ? new RestartAccepted(_settings.Name, "queued for a repair permit")
            : new RestartRejected(_settings.Name, $"cannot restart in phase {_state.Phase}"));
    }

    private void ReleasePermit()
    {
        if (_permitId is { } id) _fleet.Tell(new FleetProtocol.ReleasePermit(_settings.Name, id));
        _permitId = null;
    }

    private PermitRequest BuildPermitRequest() => new(
        _settings.Name,
        _settings.Key.InterfaceKey,
        _settings.Site,
        _settings.RungForAttempt(_state.NextAttempt).IsInterfaceWide(),
        _state.EpisodeStartedAt ?? Now,
        Now);

    // ---- Observation --------------------------------------------------------------------------------

    private HealthVerdict Judge(TunnelObservation observation)
    {
        Remember(observation);
        return HealthRules.Judge(observation, _settings, Now, _neverHandshakenSince ?? Now);
    }

    private void Remember(TunnelObservation observation)
    {
        _lastObservation = observation;
        if (observation.Peer is { LatestHandshake: null }) _neverHandshakenSince ??= Now;
        else _neverHandshakenSince = null;
    }

    private void Publish()
    {
        var peer = _lastObservation?.Peer;
        var summary = new TunnelSummary(_settings.Name, _node, _settings.Namespace, _settings.Interface, _settings.PeerPublicKey,
            _settings.Site, _state.Phase, _state.PhaseSince, _state.Reason, peer?.LatestHandshake, peer?.RxBytes ?? 0, peer?.TxBytes ?? 0,
            peer?.Endpoint, _lastObservation?.InterfacePresent ?? false, _lastObservation?.At, _state.RepairCount, _state.CurrentRepair,
            _state.LastRepair, _state.BackoffUntil);
        if (summary == _lastPublished) return;
        _lastPublished = summary;
        _fleet.Tell(new FleetProtocol.TunnelChanged(summary));
    }

    private void ReportBacklog(TunnelHistory.HistoryBacklog backlog) =>
        _fleet.Tell(new FleetProtocol.HistoryStatus(_settings.Name, backlog.PendingEvents, backlog.Problem));

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
                    r.Rung.ToWireName(), r.Attempt, r.RequestedBy);
                break;
            case RepairFinished f:
                _log.Info("Tunnel {Tunnel}: repair {Rung} finished {Outcome} after {Duration}: {Detail}", _settings.Name,
                    f.Rung.ToWireName(), f.Outcome, f.Duration, f.Detail);
                break;
            case BackoffStarted b:
                _log.Info("Tunnel {Tunnel}: backing off until {Until:O} after {Failed} failed repair(s)", _settings.Name, b.Until,
                    b.FailedAttempts);
                break;
        }
    }
}
