using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Clustering;

/// <summary>How a node stands in the cluster, as this node sees it.</summary>
public enum NodeStatus
{
    Joining,
    Up,
    Unreachable,
    Leaving,
    Down,
}

/// <summary>A tunnel of any node, with how fresh and how trustworthy the information is.</summary>
/// <param name="InformationSince">When the owning node last told us anything.</param>
/// <param name="ClaimedAlsoBy">Other nodes that supervise a tunnel of the same name (a configuration conflict).</param>
public sealed record ClusterTunnel(TunnelSummary Tunnel, NodeStatus NodeStatus, DateTimeOffset InformationSince,
    IReadOnlyList<string> ClaimedAlsoBy);

public sealed record NodeView(string Name, string? Address, NodeStatus Status, IReadOnlyList<string> Roles, int Tunnels,
    DateTimeOffset? LastHeard);

/// <summary>Queries of the cluster view (<see cref="ClusterViewActor"/>), and the answers.</summary>
public static partial class ClusterViewProtocol
{
    public sealed record GetTunnels;
    public sealed record Tunnels(IReadOnlyList<ClusterTunnel> Items);
    public sealed record GetNodes;
    public sealed record Nodes(IReadOnlyList<NodeView> Items);
    /// <summary>Where a tunnel lives (its node's address), to send a command to its owner.</summary>
    public sealed record FindOwner(string Tunnel);
    public sealed record Owner(string Tunnel, string Node, string? Address, NodeStatus Status);
    public sealed record NoOwner(string Tunnel);
}
