using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Probing;

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
    /// <param name="probe">What the tunnel's probes said (null: no probe configured).</param>
    /// <param name="traffic">When the peer's counters last moved (null: unknown, so no tunnel counts as idle).</param>
    /// <remarks>
    /// The idle rule: a tunnel with no persistent keepalive and no probe that has sent nothing since its session
    /// was due for renewal (handshake + REKEY_AFTER_TIME + REKEY_TIMEOUT; for a tunnel that never handshook: since it
    /// was first seen) owes no handshake, so an old handshake (or none) proves nothing: it is left alone and
    /// reported as idle, never restarted for idleness alone.
    /// </remarks>
    public static HealthVerdict Judge(TunnelObservation observation, TunnelSettings settings, DateTimeOffset now,
        DateTimeOffset neverHandshakenSince, ProbeStatus? probe = null, TrafficHistory? traffic = null)
    {
        if (!observation.InterfacePresent)
            return new HealthVerdict.Stale(StaleReason.InterfaceMissing, $"interface {settings.Interface} is missing");
        if (observation.Peer is not { } peer)
            return new HealthVerdict.Stale(StaleReason.PeerMissing, $"peer is missing from interface {settings.Interface}");
        if (settings.Probe is { } probeSettings && probe is not null && probe.IsFailing(probeSettings))
            return new HealthVerdict.Stale(StaleReason.ProbeFailing,
                $"probe {probeSettings} failed {probe.ConsecutiveFailures} times in a row ({probe.LastError})");
        // A probe that answers proves the tunnel passes traffic: handshake age then says nothing more.
        if (settings.Probe is not null && probe is { EverSucceeded: true, ConsecutiveFailures: 0 })
            return new HealthVerdict.Healthy(peer.LatestHandshake is { } lastHandshake
                ? $"probe answers; handshake {Seconds(now - lastHandshake)} old"
                : "probe answers");
        if (settings.ReceiveStallAfter is { } stallWindow && traffic is not null && traffic.ReceiveStalled(stallWindow, now))
            return new HealthVerdict.Stale(StaleReason.ReceiveStall, $"sent data but received nothing for {Seconds(stallWindow)} or more");

        var keptAlive = peer.PersistentKeepaliveSeconds is > 0 || settings.Probe is not null || traffic is null;
        if (peer.LatestHandshake is not { } handshake)
        {
            var waited = now - neverHandshakenSince;
            if (waited <= settings.StaleAfter) return new HealthVerdict.Undecided($"waiting for a first handshake ({Seconds(waited)} so far)");
            // Sending with no session makes WireGuard initiate a handshake at once.
            return keptAlive || traffic!.SentAfter(neverHandshakenSince)
                ? new HealthVerdict.Stale(StaleReason.NeverHandshaken, $"no handshake within {Seconds(waited)}")
                : new HealthVerdict.Undecided(IdleDetail);
        }
        var age = now - handshake;
        if (age <= settings.StaleAfter) return new HealthVerdict.Healthy($"handshake {Seconds(age)} old");
        // WireGuard renews a session when it sends after REKEY_AFTER_TIME; sending after that without a new
        // handshake is a failure, while a tunnel that sent nothing since owes no handshake at all.
        return keptAlive || traffic!.SentAfter(handshake + Thresholds.RekeyAfterTime + Thresholds.RekeyTimeout)
            ? new HealthVerdict.Stale(StaleReason.HandshakeTooOld, $"handshake {Seconds(age)} old (threshold {Seconds(settings.StaleAfter)})")
            : new HealthVerdict.Undecided(IdleDetail);
    }

    public const string IdleDetail = "idle: no keepalive, no probe and nothing sent, so handshake age cannot be judged";

    /// <summary>
    /// A repair is verified by a probe answered after it (when the tunnel has a probe: traffic passes), else by
    /// a handshake newer than it.
    /// </summary>
    public static bool IsRepairVerified(TunnelObservation observation, TunnelSettings settings, DateTimeOffset repairStartedAt,
        DateTimeOffset? handshakeBeforeRepair, ProbeStatus? probe)
    {
        if (!observation.InterfacePresent || observation.Peer is null) return false;
        return settings.Probe is not null && probe is not null
            ? probe.AnsweredSince(repairStartedAt)
            : IsFreshSince(observation.Peer.LatestHandshake, repairStartedAt, handshakeBeforeRepair);
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
