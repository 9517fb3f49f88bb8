using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Queries the fleet answers (from the admin endpoint, or another node), and the answers.</summary>
public static partial class FleetProtocol
{
    public sealed record GetTunnels;
    public sealed record TunnelList(IReadOnlyList<TunnelSummary> Tunnels);
    /// <summary>
    /// The tunnels a query selects, filtered and paged in the roster. <see cref="TunnelSelection.More"/>: tunnels past the
    /// last one returned match too (the next page starts after it).
    /// </summary>
    public sealed record SelectTunnels(TunnelQuery Query);
    public sealed record TunnelSelection(IReadOnlyList<TunnelSummary> Tunnels, bool More);
    /// <summary>
    /// The whole list with its version (a number that changes whenever a tunnel's summary changes, one is enlisted or
    /// retired), or — when <see cref="KnownVersion"/> is still the version — only <see cref="TunnelListUnchanged"/>.
    /// </summary>
    public sealed record GetTunnelListIfChanged(long? KnownVersion);
    public sealed record VersionedTunnelList(long Version, IReadOnlyList<TunnelSummary> Tunnels);
    public sealed record TunnelListUnchanged(long Version);
    public sealed record GetTunnel(string Name);
    public sealed record TunnelFound(TunnelSummary Tunnel);
    /// <summary>The answer to a query or a command for a tunnel this fleet does not supervise.</summary>
    public sealed record TunnelNotFound(string Name);
    /// <summary>Answered by the tunnel with <see cref="Tunnels.TunnelProtocol.Samples"/>.</summary>
    public sealed record GetTunnelSamples(string Name);
    public sealed record GetFleetStatus;
    /// <param name="Recovered">Every tunnel has recovered its state and been observed once since start-up (it stays true after).</param>
    /// <param name="RecoveringTunnels">The tunnels still recovering now (their history, or a first observation), by name.</param>
    public sealed record FleetStatus(
        int PermitsInUse,
        int PermitLimit,
        IReadOnlyList<string> PermitHolders,
        IReadOnlyList<string> Queue,
        IReadOnlyList<PollStatus> Polls,
        int PendingHistoryEvents,
        IReadOnlyList<string> HistoryProblems,
        bool Recovered = true,
        IReadOnlyList<string>? RecoveringTunnels = null);
    public sealed record PollStatus(string? Namespace, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastError);
}
