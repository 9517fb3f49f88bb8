namespace WgSupervisor.Domain.Observation;

/// <summary>
/// When a peer's byte counters last moved (pure; updated by each observation). Tells an idle tunnel (we
/// send nothing, so no handshake is due) from a broken one (we send and nothing comes back).
/// </summary>
public sealed record TrafficHistory(long RxBytes, long TxBytes, DateTimeOffset? RxLastGrewAt, DateTimeOffset? TxLastGrewAt,
    DateTimeOffset FirstSeenAt, long TxAtRxChange)
{
    public static TrafficHistory Start(PeerStatus peer, DateTimeOffset at) => new(peer.RxBytes, peer.TxBytes, null, null, at, peer.TxBytes);

    public TrafficHistory Observe(PeerStatus peer, DateTimeOffset at)
    {
        // Counters restart from zero when the interface or peer is recreated: that is not traffic.
        if (peer.RxBytes < RxBytes || peer.TxBytes < TxBytes) return Start(peer, at) with { FirstSeenAt = FirstSeenAt };
        var rxGrew = peer.RxBytes > RxBytes;
        return new TrafficHistory(peer.RxBytes, peer.TxBytes,
            rxGrew ? at : RxLastGrewAt,
            peer.TxBytes > TxBytes ? at : TxLastGrewAt,
            FirstSeenAt,
            rxGrew ? peer.TxBytes : TxAtRxChange);
    }

    /// <summary>We sent something after <paramref name="moment"/>.</summary>
    public bool SentAfter(DateTimeOffset moment) => TxLastGrewAt is { } sent && sent > moment;

    /// <summary>We sent something within the window ending now.</summary>
    public bool SentWithin(TimeSpan window, DateTimeOffset now) => TxLastGrewAt is { } sent && now - sent <= window;

    /// <summary>Tx grew while rx stayed flat for at least <paramref name="window"/>.</summary>
    public bool ReceiveStalled(TimeSpan window, DateTimeOffset now)
    {
        var flatSince = RxLastGrewAt ?? FirstSeenAt;
        return now - flatSince >= window && TxBytes > TxAtRxChange && TxLastGrewAt > flatSince;
    }
}
