using WgSupervisor.Domain.Fleet;

namespace WgSupervisor.Actors.Clustering;

/// <summary>Commands between the nodes of a cluster (serialized by the cluster message serializer under short manifests).</summary>
public static partial class ClusterProtocol
{
    /// <summary>A node asks the restart budget for a lease to repair one tunnel (of a site, if labelled).</summary>
    public sealed record AcquireLease(string LeaseId, string Node, string Tunnel, string? Site, TimeSpan Duration) : IClusterMessage;

    public sealed record ReleaseLease(string LeaseId) : IClusterMessage;

    /// <summary>From a new budget singleton: which leases do you hold? (It grants nothing until the nodes have answered.)</summary>
    public sealed record ReportLeases(string Requester) : IClusterMessage;
}

/// <summary>What the fleet asks of its <see cref="BudgetClientActor"/> (local messages, never serialized).</summary>
public static partial class BudgetClientProtocol
{
    /// <summary>The fleet granted this permit under its own limits: get the cluster's lease for it before it reaches the tunnel.</summary>
    public sealed record SecureLease(Permit Permit);

    /// <summary>The tunnel no longer holds or wants a permit: its lease (held, asked for, or deferred) goes back.</summary>
    public sealed record ReturnLease(string Tunnel);
}
