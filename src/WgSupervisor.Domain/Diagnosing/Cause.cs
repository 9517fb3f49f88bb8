namespace WgSupervisor.Domain.Diagnosing;

/// <summary>Why a stale tunnel is broken, as far as the evidence tells.</summary>
public enum Cause
{
    /// <summary>The interface (or the userspace process behind it) is gone.</summary>
    InterfaceGone,
    /// <summary>The peer is gone from its interface.</summary>
    PeerMissing,
    /// <summary>The configured name resolves to another address than the one WireGuard sends to.</summary>
    EndpointMoved,
    /// <summary>The interface is fine and the site is reachable, but its session is dead (it restarted, or lost state).</summary>
    SessionLost,
    /// <summary>A fresh handshake was answered, yet traffic still does not pass: something on this gateway.</summary>
    TrafficBlocked,
    /// <summary>Our handshake initiations go unanswered after a peer repair: the site or its line is down.</summary>
    SiteUnreachable,
    /// <summary>The underlay is down (its probe fails, or most tunnels of an uplink, node or site failed together).</summary>
    UnderlayDown,
    /// <summary>An operator asked for the repair.</summary>
    OperatorRequest,
}

public static class CauseNames
{
    public static string ToWireName(this Cause cause) => cause switch
    {
        Cause.InterfaceGone => "interface-gone",
        Cause.PeerMissing => "peer-missing",
        Cause.EndpointMoved => "endpoint-moved",
        Cause.SessionLost => "session-lost",
        Cause.TrafficBlocked => "traffic-blocked",
        Cause.SiteUnreachable => "site-unreachable",
        Cause.UnderlayDown => "underlay-down",
        Cause.OperatorRequest => "operator-request",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };

    public static bool TryParse(string text, out Cause cause)
    {
        foreach (var candidate in Enum.GetValues<Cause>())
            if (string.Equals(candidate.ToWireName(), text, StringComparison.Ordinal))
            {
                cause = candidate;
                return true;
            }
        cause = default;
        return false;
    }
}
