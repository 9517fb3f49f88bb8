using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Clustering;

/// <param name="MaxConcurrent">Repairs in flight across the whole cluster (C).</param>
/// <param name="RebuildGrace">How long a new instance waits for the nodes to report their leases before granting.</param>
public sealed record BudgetSettings(int MaxConcurrent, TimeSpan RebuildGrace)
{
    public static readonly BudgetSettings Default = new(4, TimeSpan.FromSeconds(5));
}

/// <summary>
/// The cluster-wide restart budget, a cluster singleton: at most C repairs in flight across the cluster and
/// at most one per site, whichever gateways reach that site. Grants are leases that run out, so a holder that
/// dies never keeps one. A new instance (after a handover) first asks every node which leases it holds and
/// grants nothing until they have answered or the grace has passed, so it never grants beyond the budget.
/// </summary>
public sealed class RestartBudgetActor : ReceiveActor, IWithTimers
{
    private sealed record Lease(string LeaseId, string Node, string Tunnel, string? Site, DateTimeOffset Until);

    private sealed record Rebuilt
    {
        public static readonly Rebuilt Instance = new();
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly BudgetSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public RestartBudgetActor(BudgetSettings settings)
    {
        _settings = settings;
        Rebuilding();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BudgetSettings settings) => Akka.Actor.Props.Create(() => new RestartBudgetActor(settings));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(BudgetTopic, new ReportLeases(Self.Path.ToStringWithAddress())));
        Timers.StartSingleTimer(Rebuilt.Instance, Rebuilt.Instance, _settings.RebuildGrace);
        Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, SweepInterval);
    }

    /// <summary>Just started (or taken over): learn what is in flight before granting anything.</summary>
    private void Rebuilding()
    {
        Receive<LeasesHeld>(Adopt);
        Receive<AcquireLease>(a => Sender.Tell(new LeaseDenied(a.LeaseId, "the cluster budget is being rebuilt after a handover")));
        Receive<ReleaseLease>(r => _leases.Remove(r.LeaseId));
        Receive<Rebuilt>(_ =>
        {
            _log.Info("Restart budget ready: {InFlight} lease(s) in flight, limit {Limit}", _leases.Count, _settings.MaxConcurrent);
            Become(Granting);
        });
        Receive<Sweep>(_ => Expire());
    }

    private void Granting()
    {
        Receive<AcquireLease>(Decide);
        Receive<ReleaseLease>(r => _leases.Remove(r.LeaseId));
        Receive<LeasesHeld>(Adopt);
        Receive<Sweep>(_ => Expire());
    }

    private void Decide(AcquireLease request)
    {
        Expire();
        if (_leases.ContainsKey(request.LeaseId))
        {
            Sender.Tell(new LeaseGranted(request.LeaseId, _leases[request.LeaseId].Until));
            return;
        }
        if (_leases.Count >= _settings.MaxConcurrent)
        {
            Sender.Tell(new LeaseDenied(request.LeaseId, $"the cluster budget of {_settings.MaxConcurrent} repair(s) is in use"));
            return;
        }
        if (request.Site is { } site && _leases.Values.FirstOrDefault(l => l.Site == site) is { } other)
        {
            Sender.Tell(new LeaseDenied(request.LeaseId, $"site {site} is being repaired by node {other.Node} ({other.Tunnel})"));
            return;
        }
        var lease = new Lease(request.LeaseId, request.Node, request.Tunnel, request.Site, Now + request.Duration);
        _leases[lease.LeaseId] = lease;
        Sender.Tell(new LeaseGranted(lease.LeaseId, lease.Until));
    }

    /// <summary>A node's report of what it holds: kept as long as the lease runs (a late report after granting is added too).</summary>
    private void Adopt(LeasesHeld held)
    {
        foreach (var lease in held.Leases.Where(l => l.Until > Now))
            _leases[lease.LeaseId] = new Lease(lease.LeaseId, held.Node, lease.Tunnel, lease.Site, lease.Until);
    }

    private void Expire()
    {
        foreach (var expired in _leases.Values.Where(l => l.Until <= Now).ToList())
        {
            _leases.Remove(expired.LeaseId);
            _log.Warning("Lease {Lease} of {Node}/{Tunnel} expired; its holder is presumed lost", expired.LeaseId, expired.Node, expired.Tunnel);
        }
    }
}
