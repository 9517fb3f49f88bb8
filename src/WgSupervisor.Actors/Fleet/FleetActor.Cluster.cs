using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Fleet;

/// <param name="Address">This node's Akka address, published with its tunnels so that commands find it.</param>
/// <param name="PublishEvery">How often the complete state is published (changes go out at once).</param>
/// <param name="LeaseDuration">How long a cluster lease runs before the budget presumes its holder lost.</param>
/// <param name="BudgetAnswerTimeout">How long to wait for the budget before repairing under the local limit.</param>
public sealed record FleetClusterSettings(string Address, TimeSpan PublishEvery, TimeSpan LeaseDuration, TimeSpan BudgetAnswerTimeout)
{
    public static FleetClusterSettings For(string address) =>
        new(address, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(3));
}

/// <summary>
/// The fleet's part in a cluster: it publishes its tunnels for every node's read model, and asks the
/// cluster-wide restart budget for a lease before a permit reaches a tunnel. A denied lease puts the request
/// back for a second; an unanswered one (the singleton unreachable) lets the repair go ahead under the node's
/// own limit, with an event on the tunnel that says so, until the budget answers again.
/// </summary>
public sealed partial class FleetActor
{
    private sealed record PublishState
    {
        public static readonly PublishState Instance = new();
    }

    private sealed record RetryDeferred
    {
        public static readonly RetryDeferred Instance = new();
    }

    private sealed record BudgetSilent(string LeaseId);

    private const string PublishTimer = "cluster-publish";
    private const string RetryTimer = "cluster-retry";
    private static readonly TimeSpan DeferFor = TimeSpan.FromSeconds(1);

    private readonly IActorRef? _budget;
    private readonly Dictionary<string, Permit> _awaitingLease = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string LeaseId, HeldLease Lease)> _heldLeases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PermitRequest> _deferred = new(StringComparer.Ordinal);
    private bool _budgetUnreachable;

    private IActorRef Mediator => DistributedPubSub.Get(Context.System).Mediator;

    private void ClusterHandlers()
    {
        Receive<PublishState>(_ => PublishAll());
        Receive<SubscribeAck>(_ => { });
        Receive<ReportLeases>(_ => Sender.Tell(new LeasesHeld(_settings.Node, _heldLeases.Values.Select(h => h.Lease).ToList())));
        Receive<LeaseGranted>(OnLeaseGranted);
        Receive<LeaseDenied>(OnLeaseDenied);
        Receive<BudgetSilent>(OnBudgetSilent);
        Receive<RetryDeferred>(_ =>
        {
            foreach (var request in _deferred.Values) _permits.Request(request);
            _deferred.Clear();
            GrantWhatFits();
        });
        Receive<ClusterViewProtocol.NameClaimedElsewhere>(c =>
        {
            if (_tunnels.TryGetValue(c.Tunnel, out var tunnel))
                tunnel.Tell(new TunnelProtocol.Note(new TunnelNameConflict(Now, c.OtherNode),
                    $"node {c.OtherNode} supervises a tunnel of the same name: names must be unique in a cluster"));
        });
    }

    private void StartClusterDuties()
    {
        if (_settings.Cluster is not { } cluster) return;
        Mediator.Tell(new Subscribe(BudgetTopic, Self));
        Timers.StartPeriodicTimer(PublishTimer, PublishState.Instance, TimeSpan.Zero, cluster.PublishEvery);
    }

    private void PublishAll()
    {
        if (_settings.Cluster is not { } cluster) return;
        Mediator.Tell(new Publish(TunnelsTopic, new NodeTunnels(_settings.Node, cluster.Address, _summaries.Values.ToList(), Now)));
    }

    private readonly Dictionary<string, TunnelSummary> _lastDelta = new(StringComparer.Ordinal);

    /// <summary>
    /// Publishes a change at once only when it matters to an operator (state, reason, repairs, warnings):
    /// handshake ages and counters move on every poll and travel with the periodic full state instead, so that
    /// the cluster's traffic grows with changes, not with tunnels × polls.
    /// </summary>
    private void PublishToCluster(TunnelSummary summary)
    {
        if (_settings.Cluster is not { } cluster) return;
        var significant = Significant(summary);
        if (_lastDelta.TryGetValue(summary.Name, out var last) && last == significant) return;
        _lastDelta[summary.Name] = significant;
        Mediator.Tell(new Publish(TunnelsTopic, new TunnelDelta(_settings.Node, cluster.Address, summary)));
    }

    private static TunnelSummary Significant(TunnelSummary summary) =>
        summary with { LatestHandshake = null, RxBytes = 0, TxBytes = 0, ObservedAt = null, Verdict = null, Probe = null, Endpoint = null };

    private static string LeaseIdOf(string node, Permit permit) => $"{node}:{permit.Request.Tunnel}:{permit.Id}";

    private void AskBudget(Permit permit)
    {
        var cluster = _settings.Cluster!;
        var leaseId = LeaseIdOf(_settings.Node, permit);
        _awaitingLease[leaseId] = permit;
        _budget!.Tell(new AcquireLease(leaseId, _settings.Node, permit.Request.Tunnel, permit.Request.Site, cluster.LeaseDuration));
        Timers.StartSingleTimer("budget-" + leaseId, new BudgetSilent(leaseId), cluster.BudgetAnswerTimeout);
    }

    private void OnLeaseGranted(LeaseGranted granted)
    {
        Timers.Cancel("budget-" + granted.LeaseId);
        if (!_awaitingLease.Remove(granted.LeaseId, out var permit))
        {
            // Granted after the holder was gone, or after a local fallback: hand it back.
            if (!_heldLeases.Values.Any(h => h.LeaseId == granted.LeaseId)) _budget?.Tell(new ReleaseLease(granted.LeaseId));
            return;
        }
        if (_budgetUnreachable) _log.Info("The cluster restart budget answers again");
        _budgetUnreachable = false;
        if (!_permits.IsHeld(permit.Request.Tunnel))
        {
            _budget?.Tell(new ReleaseLease(granted.LeaseId));
            return;
        }
        _heldLeases[permit.Request.Tunnel] = (granted.LeaseId, new HeldLease(granted.LeaseId, permit.Request.Tunnel, permit.Request.Site, granted.Until));
        Deliver(permit);
    }

    private void OnLeaseDenied(LeaseDenied denied)
    {
        Timers.Cancel("budget-" + denied.LeaseId);
        if (!_awaitingLease.Remove(denied.LeaseId, out var permit)) return;
        _budgetUnreachable = false;
        // Give the local permit back and ask again in a moment; the request keeps its place (longest stale first).
        if (_permits.Release(permit.Request.Tunnel, permit.Id)) _deferred[permit.Request.Tunnel] = permit.Request;
        Timers.StartSingleTimer(RetryTimer, RetryDeferred.Instance, DeferFor);
        GrantWhatFits();
    }

    /// <summary>No answer from the budget: repair under the node's own limit, and say so on the tunnel.</summary>
    private void OnBudgetSilent(BudgetSilent silent)
    {
        if (!_awaitingLease.Remove(silent.LeaseId, out var permit) || !_permits.IsHeld(permit.Request.Tunnel)) return;
        if (!_budgetUnreachable)
            _log.Warning("The cluster restart budget did not answer within {Timeout}: repairing under this node's own limit of {Limit}",
                _settings.Cluster!.BudgetAnswerTimeout, _settings.Limits.MaxConcurrent);
        _budgetUnreachable = true;
        if (_tunnels.TryGetValue(permit.Request.Tunnel, out var tunnel))
            tunnel.Tell(new TunnelProtocol.Note(new BudgetUnavailable(Now, "the cluster restart budget did not answer; repaired under the node's own limit"),
                "the last repair went ahead under this node's own limit: the cluster restart budget did not answer"));
        Deliver(permit);
    }

    /// <summary>The tunnel no longer holds or wants a permit: its lease goes back to the budget.</summary>
    private void ForgetClusterLease(string tunnel)
    {
        _deferred.Remove(tunnel);
        foreach (var waiting in _awaitingLease.Where(a => a.Value.Request.Tunnel == tunnel).Select(a => a.Key).ToList())
        {
            _awaitingLease.Remove(waiting);
            Timers.Cancel("budget-" + waiting);
            _budget?.Tell(new ReleaseLease(waiting));
        }
        if (_heldLeases.Remove(tunnel, out var held)) _budget?.Tell(new ReleaseLease(held.LeaseId));
    }
}
