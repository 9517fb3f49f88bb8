using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Queries the fleet answers (from the admin endpoint, or another node), and the answers.</summary>
public static partial class FleetProtocol
{
    public sealed record GetTunnels;
    public sealed record TunnelList(IReadOnlyList<TunnelSummary> Tunnels);
    public sealed record GetTunnel(string Name);
    public sealed record TunnelFound(TunnelSummary Tunnel);
    /// <summary>The answer to a query or a command for a tunnel this fleet does not supervise.</summary>
    public sealed record TunnelNotFound(string Name);
    /// <summary>Answered by the tunnel with <see cref="Tunnels.TunnelProtocol.Samples"/>.</summary>
    public sealed record GetTunnelSamples(string Name);
    public sealed record GetFleetStatus;
    public sealed record FleetStatus(
        int PermitsInUse,
        int PermitLimit,
        IReadOnlyList<string> PermitHolders,
        IReadOnlyList<string> Queue,
        IReadOnlyList<PollStatus> Polls,
        int PendingHistoryEvents,
        IReadOnlyList<string> HistoryProblems);
    public sealed record PollStatus(string? Namespace, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastError);
}
