namespace WgSupervisor.Domain.Observation;

/// <summary>One peer as WireGuard reports it. Holds no key material but the peer's public key.</summary>
public sealed record PeerStatus(
    string PublicKey,
    string? Endpoint,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? LatestHandshake,
    long RxBytes,
    long TxBytes,
    int? PersistentKeepaliveSeconds);

/// <summary>One interface as WireGuard reports it. The private key is dropped where it is parsed.</summary>
public sealed record InterfaceStatus(string Name, string? PublicKey, int? ListenPort, IReadOnlyList<PeerStatus> Peers)
{
    public PeerStatus? FindPeer(string publicKey) => Peers.FirstOrDefault(p => p.PublicKey == publicKey);
}

/// <summary>Everything one poll saw in one network namespace (null: the host's own namespace).</summary>
public sealed record NamespaceSnapshot(string? Namespace, DateTimeOffset At, IReadOnlyDictionary<string, InterfaceStatus> Interfaces)
{
    public static NamespaceSnapshot Empty(string? ns, DateTimeOffset at) => new(ns, at, new Dictionary<string, InterfaceStatus>());

    public TunnelObservation Observe(string interfaceName, string peerPublicKey) =>
        Interfaces.TryGetValue(interfaceName, out var iface)
            ? new TunnelObservation(At, InterfacePresent: true, iface.FindPeer(peerPublicKey))
            : new TunnelObservation(At, InterfacePresent: false, Peer: null);
}

/// <summary>What the poller tells one tunnel: the interface and the peer as seen at <see cref="At"/>.</summary>
public sealed record TunnelObservation(DateTimeOffset At, bool InterfacePresent, PeerStatus? Peer);
