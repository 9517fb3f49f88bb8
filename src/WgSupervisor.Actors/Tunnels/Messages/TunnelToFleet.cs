using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// What a tunnel actor tells the fleet that supervises it. Declared by the tunnels' family, so that tunnels do not
/// depend on the fleet that depends on them; the fleet handles every one.
/// </summary>
public static class TunnelToFleet
{
    public sealed record RequestPermit(PermitRequest Request);
    public sealed record WithdrawPermitRequest(string Tunnel);
    public sealed record ReleasePermit(string Tunnel, long PermitId);
    /// <summary>A tunnel actor (re)started: whatever its previous incarnation held is void.</summary>
    public sealed record TunnelIncarnated(string Tunnel);
    /// <summary>The tunnel's summary changed; the fleet also publishes it on the event stream for live views.</summary>
    public sealed record TunnelChanged(TunnelSummary Summary);
    public sealed record HistoryStatus(string Tunnel, int PendingEvents, string? Problem);
}
