using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Clustering.BudgetClientProtocol;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Clustering;

/// <param name="Node">This node's name: it goes into every lease id and every report of the leases held.</param>
/// <param name="LeaseDuration">How long a cluster lease runs before the budget presumes its holder lost.</param>
/// <param name="AnswerTimeout">How long to wait for the budget before repairing under the local limit.</param>
/// <param name="LocalLimit">The node's own limit of repairs at once, named in the fallback warning.</param>
public sealed record BudgetClientSettings(string Node, TimeSpan LeaseDuration, TimeSpan AnswerTimeout, int LocalLimit);

/// <summary>
/// The fleet's go-between with the cluster-wide restart budget (<see cref="RestartBudgetActor"/>, a singleton): a
/// permit the fleet granted under its own limits reaches its tunnel only once the budget leased it. A denied lease
/// puts the request back for a second; an unanswered one (the singleton unreachable, or being handed over) lets
/// the repair go ahead under the node's own limit, with an event on the tunnel that says so, until the budget
/// answers again. A new singleton asks every node which leases it holds: this actor answers for its node.
/// </summary>
public sealed class BudgetClientActor : ReceiveActor, IWithTimers
{
    private sealed record BudgetSilent(string LeaseId);

    private sealed record RetryDeferred
    {
        public static readonly RetryDeferred Instance = new();
    }

    private const string RetryTimer = "retry-deferred";
    private static readonly TimeSpan DeferFor = TimeSpan.FromSeconds(1);

    private readonly BudgetClientSettings _settings;
    private readonly IActorRef _budget;
    private readonly IActorRef? _mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Permit> _awaitingLease = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HeldLease> _heldLeases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PermitRequest> _deferred = new(StringComparer.Ordinal);
    private bool _budgetUnreachable;

    public BudgetClientActor(BudgetClientSettings settings, IActorRef budget, IActorRef? mediator)
    {
        _settings = settings;
        _budget = budget;
        _mediator = mediator;

        Receive<SecureLease>(s => AskBudget(s.Permit));
        Receive<ReturnLease>(r => Forget(r.Tunnel));
        Receive<LeaseGranted>(OnLeaseGranted);
        Receive<LeaseDenied>(OnLeaseDenied);
        Receive<BudgetSilent>(OnBudgetSilent);
        Receive<RetryDeferred>(_ =>
        {
            if (_deferred.Count == 0) return;
            Context.Parent.Tell(new RetryPermitRequests(_deferred.Values.ToList()));
            _deferred.Clear();
        });
        Receive<ReportLeases>(_ => Sender.Tell(new LeasesHeld(_settings.Node, _heldLeases.Values.ToList())));
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="budget">The restart-budget singleton (its proxy).</param>
    /// <param name="mediator">The cluster's pub-sub mediator, to hear a new singleton ask for the leases held; null: not subscribed (specs).</param>
    public static Props Props(BudgetClientSettings settings, IActorRef budget, IActorRef? mediator) =>
        Akka.Actor.Props.Create(() => new BudgetClientActor(settings, budget, mediator));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart() => _mediator?.Tell(new Subscribe(BudgetTopic, Self));

    public static string LeaseIdOf(string node, Permit permit) => $"{node}:{permit.Request.Tunnel}:{permit.Id}";

    private static string SilenceTimer(string leaseId) => "budget-" + leaseId;

    private void AskBudget(Permit permit)
    {
        var leaseId = LeaseIdOf(_settings.Node, permit);
        _awaitingLease[leaseId] = permit;
        Timers.StartSingleTimer(SilenceTimer(leaseId), new BudgetSilent(leaseId), _settings.AnswerTimeout);
        _budget.Tell(new AcquireLease(leaseId, _settings.Node, permit.Request.Tunnel, permit.Request.Site, _settings.LeaseDuration));
    }

    private void OnLeaseGranted(LeaseGranted granted)
    {
        Timers.Cancel(SilenceTimer(granted.LeaseId));
        if (!_awaitingLease.Remove(granted.LeaseId, out var permit))
        {
            // Granted after the holder was gone, or after a local fallback: hand it back.
            if (!_heldLeases.Values.Any(h => h.LeaseId == granted.LeaseId)) _budget.Tell(new ReleaseLease(granted.LeaseId));
            return;
        }
        if (_budgetUnreachable) _log.Info("The cluster restart budget answers again");
        _budgetUnreachable = false;
        _heldLeases[permit.Request.Tunnel] = new HeldLease(granted.LeaseId, permit.Request.Tunnel, permit.Request.Site, granted.Until);
        Context.Parent.Tell(new LeaseSecured(permit));
    }

    private void OnLeaseDenied(LeaseDenied denied)
    {
        Timers.Cancel(SilenceTimer(denied.LeaseId));
        if (!_awaitingLease.Remove(denied.LeaseId, out var permit)) return;
        _budgetUnreachable = false;
        // The fleet gives the local permit back; the request is asked for again in a moment and keeps its place.
        _deferred[permit.Request.Tunnel] = permit.Request;
        Timers.StartSingleTimer(RetryTimer, RetryDeferred.Instance, DeferFor);
        Context.Parent.Tell(new LeaseRefused(permit, denied.Reason));
    }

    /// <summary>No answer from the budget: the repair goes ahead under the node's own limit, and the tunnel says so.</summary>
    private void OnBudgetSilent(BudgetSilent silent)
    {
        if (!_awaitingLease.Remove(silent.LeaseId, out var permit)) return;
        if (!_budgetUnreachable)
            _log.Warning("The cluster restart budget did not answer within {Timeout}: repairing under this node's own limit of {Limit}",
                _settings.AnswerTimeout, _settings.LocalLimit);
        _budgetUnreachable = true;
        Context.Parent.Tell(new RepairUnderLocalLimit(permit,
            new BudgetUnavailable(Now, "the cluster restart budget did not answer; repaired under the node's own limit"),
            "the last repair went ahead under this node's own limit: the cluster restart budget did not answer"));
    }

    private void Forget(string tunnel)
    {
        _deferred.Remove(tunnel);
        foreach (var waiting in _awaitingLease.Where(a => a.Value.Request.Tunnel == tunnel).Select(a => a.Key).ToList())
        {
            _awaitingLease.Remove(waiting);
            Timers.Cancel(SilenceTimer(waiting));
            _budget.Tell(new ReleaseLease(waiting));
        }
        if (_heldLeases.Remove(tunnel, out var held)) _budget.Tell(new ReleaseLease(held.LeaseId));
    }
}
