using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Settings of one node's fleet.</summary>
/// <param name="PollInterval">Null: no poller (tests drive observations by hand).</param>
/// <param name="DiscoveryTemplate">Settings for tunnels found on local interfaces; null: supervise only the configured tunnels.</param>
/// <param name="WatchedNamespaces">Namespaces polled besides those of the configured tunnels (null: the host's own).</param>
/// <param name="Cluster">How this fleet takes part in a cluster; null: a node on its own.</param>
/// <param name="CommonCause">Null: <see cref="CommonCausePolicy.Default"/>.</param>
public sealed record FleetSettings(
    string Node,
    IReadOnlyList<TunnelSettings> Tunnels,
    PermitLimits Limits,
    TimeSpan? PollInterval,
    HistorySettings History,
    TunnelSettings? DiscoveryTemplate = null,
    IReadOnlyList<string?>? WatchedNamespaces = null,
    FleetClusterSettings? Cluster = null,
    CommonCausePolicy? CommonCause = null)
{
    /// <summary>When repairs are held for a cause shared by many tunnels.</summary>
    public CommonCausePolicy CommonCausePolicy => CommonCause ?? CommonCausePolicy.Default;

    public IReadOnlyList<string?> Namespaces =>
        Tunnels.Select(t => t.Namespace).Concat(DiscoveryTemplate is null ? [] : WatchedNamespaces ?? []).Distinct().ToList();
}

/// <param name="Address">This node's Akka address, published with its tunnels so that commands find it.</param>
/// <param name="PublishEvery">How often the complete state is published (changes go out at once).</param>
/// <param name="LeaseDuration">How long a cluster lease runs before the budget presumes its holder lost.</param>
/// <param name="BudgetAnswerTimeout">How long to wait for the budget before repairing under the local limit.</param>
public sealed record FleetClusterSettings(string Address, TimeSpan PublishEvery, TimeSpan LeaseDuration, TimeSpan BudgetAnswerTimeout)
{
    public static FleetClusterSettings For(string address) =>
        new(address, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(3));
}
