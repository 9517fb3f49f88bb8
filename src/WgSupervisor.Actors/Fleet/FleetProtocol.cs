using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Messages the fleet actor handles, and its answers.</summary>
public static class FleetProtocol
{
    // From the poller.
    public sealed record NamespaceObserved(NamespaceSnapshot Snapshot);
    public sealed record NamespaceUnreadable(string? Namespace, DateTimeOffset At, string Error);

    // From tunnel actors.
    public sealed record RequestPermit(PermitRequest Request);
    public sealed record WithdrawPermitRequest(string Tunnel);
    public sealed record ReleasePermit(string Tunnel, long PermitId);
    /// <summary>A tunnel actor (re)started: whatever its previous incarnation held is void.</summary>
    public sealed record TunnelIncarnated(string Tunnel);
    public sealed record TunnelChanged(TunnelSummary Summary);
    public sealed record HistoryStatus(string Tunnel, int PendingEvents, string? Problem);

    // Queries and commands from the admin endpoint.
    public sealed record GetTunnels;
    public sealed record TunnelList(IReadOnlyList<TunnelSummary> Tunnels);
    public sealed record GetTunnel(string Name);
    public sealed record TunnelFound(TunnelSummary Tunnel);
    public sealed record TunnelNotFound(string Name);
    public sealed record RestartTunnel(string Name, string By);
    /// <summary>Answered by the tunnel with <see cref="Tunnels.TunnelProtocol.Samples"/>.</summary>
    public sealed record GetTunnelSamples(string Name);
    public sealed record PauseTunnel(string Name, string By, string? Reason);
    public sealed record ResumeTunnel(string Name, string By);
    public sealed record ReleaseTunnel(string Name, string By);
    /// <summary>Pause or resume every tunnel of a site; each tunnel persists its own pause.</summary>
    public sealed record PauseSite(string Site, string By, string? Reason);
    public sealed record ResumeSite(string Site, string By);
    public sealed record SiteCommandSent(string Site, IReadOnlyList<string> Tunnels);
    public sealed record SiteNotFound(string Site);
    /// <summary>Move a movable tunnel to its partner node (sent to the node that carries it).</summary>
    public sealed record MoveTunnel(string Name, string To, string By);
    /// <summary>From the node that handed a movable tunnel over: bring it up here.</summary>
    public sealed record TakeOverTunnel(string Name, string From, string Reason);
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

    // Timers.
    internal sealed record ExpireLeases
    {
        public static readonly ExpireLeases Instance = new();
    }
}
