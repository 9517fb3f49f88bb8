using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Clustering;

/// <summary>
/// What the nodes of a cluster tell each other. Carried by the cluster's pub-sub and serialized by
/// the cluster message serializer (in Serialization, which depends on this family, not the reverse) under short manifests.
/// </summary>
public static partial class ClusterProtocol
{
    /// <summary>Pub-sub topic of tunnel summaries (full state every few seconds, deltas at once).</summary>
    public const string TunnelsTopic = "wgsup-tunnels";

    /// <summary>Pub-sub topic on which a new restart-budget singleton asks for the leases held.</summary>
    public const string BudgetTopic = "wgsup-budget";

    public interface IClusterMessage;

    /// <summary>Every tunnel of a node (its complete state: tunnels absent here are gone).</summary>
    public sealed record NodeTunnels(string Node, string Address, IReadOnlyList<TunnelSummary> Tunnels, DateTimeOffset SentAt) : IClusterMessage;

    /// <summary>One tunnel of a node changed.</summary>
    public sealed record TunnelDelta(string Node, string Address, TunnelSummary Tunnel) : IClusterMessage;

    public sealed record LeaseGranted(string LeaseId, DateTimeOffset Until) : IClusterMessage;

    public sealed record LeaseDenied(string LeaseId, string Reason) : IClusterMessage;

    public sealed record HeldLease(string LeaseId, string Tunnel, string? Site, DateTimeOffset Until);

    public sealed record LeasesHeld(string Node, IReadOnlyList<HeldLease> Leases) : IClusterMessage;
}

/// <summary>What a <see cref="BudgetClientActor"/> tells the fleet, its parent, about the permits it asked leases for.</summary>
public static partial class BudgetClientProtocol
{
    /// <summary>The cluster budget granted the lease: the permit may reach its tunnel.</summary>
    public sealed record LeaseSecured(Permit Permit);

    /// <summary>The cluster budget is in use: give the local permit back; the request comes back with <see cref="RetryPermitRequests"/>.</summary>
    public sealed record LeaseRefused(Permit Permit, string Reason);

    /// <summary>The budget did not answer in time: the permit goes ahead under the node's own limit, and the tunnel records why.</summary>
    public sealed record RepairUnderLocalLimit(Permit Permit, BudgetUnavailable Event, string Warning);

    /// <summary>Requests put back after a refusal, due to be asked for again (they keep their place: longest stale first).</summary>
    public sealed record RetryPermitRequests(IReadOnlyList<PermitRequest> Requests);
}

/// <summary>What the cluster view tells the local fleet.</summary>
public static partial class ClusterViewProtocol
{
    /// <summary>Another node supervises a tunnel of the same name.</summary>
    public sealed record NameClaimedElsewhere(string Tunnel, string OtherNode);
}
