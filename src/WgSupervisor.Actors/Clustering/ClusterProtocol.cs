using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Clustering;

/// <summary>
/// What the nodes of a cluster tell each other. Carried by the cluster's pub-sub and serialized by
/// <see cref="Serialization.ClusterMessageSerializer"/> under short manifests.
/// </summary>
public static class ClusterProtocol
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

    // ---- The cluster-wide restart budget --------------------------------------------------------------

    /// <summary>A node asks for a lease to repair one tunnel (of a site, if labelled).</summary>
    public sealed record AcquireLease(string LeaseId, string Node, string Tunnel, string? Site, TimeSpan Duration) : IClusterMessage;

    public sealed record LeaseGranted(string LeaseId, DateTimeOffset Until) : IClusterMessage;

    public sealed record LeaseDenied(string LeaseId, string Reason) : IClusterMessage;

    public sealed record ReleaseLease(string LeaseId) : IClusterMessage;

    /// <summary>From a new singleton: which leases do you hold? (It grants nothing until the nodes have answered.)</summary>
    public sealed record ReportLeases(string Requester) : IClusterMessage;

    public sealed record HeldLease(string LeaseId, string Tunnel, string? Site, DateTimeOffset Until);

    public sealed record LeasesHeld(string Node, IReadOnlyList<HeldLease> Leases) : IClusterMessage;
}
