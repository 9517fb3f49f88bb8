using WgSupervisor.Domain.Observation;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>The judgement of one observation.</summary>
public abstract record HealthVerdict
{
    public sealed record Healthy(string Detail) : HealthVerdict;
    public sealed record Stale(StaleReason Reason, string Detail) : HealthVerdict;
    /// <summary>Not yet judgeable (e.g. no first handshake, still inside the grace period).</summary>
    public sealed record Undecided(string Detail) : HealthVerdict;
}

/// <summary>How an observation is judged. Pure: the caller supplies the clock.</summary>
public static class HealthRules
{
    /// <param name="neverHandshakenSince">When this supervisor first saw the peer without any handshake
    /// (supervision start at the earliest); the grace for a first handshake counts from there.</param>
    public static HealthVerdict Judge(TunnelObservation observation, TunnelSettings settings, DateTimeOffset now,
        DateTimeOffset neverHandshakenSince)
    {
        if (!observation.InterfacePresent)
            return new HealthVerdict.Stale(StaleReason.InterfaceMissing, $"interface {settings.Interface} is missing");
        if (observation.Peer is not { } peer)
            return new HealthVerdict.Stale(StaleReason.PeerMissing, $"peer is missing from interface {settings.Interface}");
        if (peer.LatestHandshake is not { } handshake)
        {
            var waited = now - neverHandshakenSince;
            return waited > settings.StaleAfter
                ? new HealthVerdict.Stale(StaleReason.NeverHandshaken, $"no handshake within {Seconds(waited)}")
                : new HealthVerdict.Undecided($"waiting for a first handshake ({Seconds(waited)} so far)");
        }
        var age = now - handshake;
        return age > settings.StaleAfter
            ? new HealthVerdict.Stale(StaleReason.HandshakeTooOld, $"handshake {Seconds(age)} old (threshold {Seconds(settings.StaleAfter)})")
            : new HealthVerdict.Healthy($"handshake {Seconds(age)} old");
    }

    /// <summary>
    /// A handshake counts as the fruit of a repair when it is newer than the one seen before the repair and
    /// not older than the repair's start. WireGuard's dump has whole seconds, so the start is truncated.
    /// </summary>
    public static bool IsFreshSince(DateTimeOffset? handshake, DateTimeOffset repairStartedAt, DateTimeOffset? handshakeBeforeRepair)
    {
        if (handshake is not { } seen) return false;
        var startSecond = DateTimeOffset.FromUnixTimeSeconds(repairStartedAt.ToUnixTimeSeconds());
        return seen >= startSecond && (handshakeBeforeRepair is not { } before || seen > before);
    }

    public static string Seconds(TimeSpan span) => $"{Math.Max(0, (long)span.TotalSeconds)} s";
}
