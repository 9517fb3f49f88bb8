using Akka.Event;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>The log line a tunnel writes for each event it records (structured: the tunnel is a property).</summary>
internal static class TunnelEventLog
{
    public static void Write(ILoggingAdapter log, string tunnel, ITunnelEvent e)
    {
        switch (e)
        {
            case TunnelWentStale s:
                log.Warning("Tunnel {Tunnel} went stale ({StaleReason}): {Detail}", tunnel, s.Reason, s.Detail);
                break;
            case TunnelBecameHealthy h:
                log.Info("Tunnel {Tunnel} is healthy: {Detail}", tunnel, h.Reason);
                break;
            case RepairStarted r:
                log.Info("Tunnel {Tunnel}: repair {Rung} attempt {Attempt} started (by {RequestedBy})", tunnel,
                    r.Rung.ToWireName(), r.Attempt, r.By);
                break;
            case RepairFinished f:
                log.Info("Tunnel {Tunnel}: repair {Rung} finished {Outcome} after {Duration}: {Detail}", tunnel,
                    f.Rung.ToWireName(), f.Outcome, f.Duration, f.Detail);
                break;
            case TunnelQuarantined q:
                log.Warning("Tunnel {Tunnel} quarantined: {Reason}", tunnel, q.Reason);
                break;
            case TunnelPaused or TunnelResumed or TunnelReleased:
                log.Info("Tunnel {Tunnel}: {Event}", tunnel, e);
                break;
            case BackoffStarted b:
                log.Info("Tunnel {Tunnel}: backing off until {Until:O} after {Failed} failed repair(s)", tunnel, b.Until, b.FailedAttempts);
                break;
        }
    }
}
