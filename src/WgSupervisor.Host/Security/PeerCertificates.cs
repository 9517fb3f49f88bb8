using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace WgSupervisor.Host.Security;

/// <summary>
/// When the certificates of this node and of the peers it dialled expire, the peers by Akka address (as /api/nodes shows members). Filled by the
/// remoting validator as handshakes succeed; without TLS it stays empty and every node's expiry is unknown (null).
/// </summary>
public sealed class PeerCertificates
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);

    /// <summary>When this node's own certificate expires (null without TLS).</summary>
    public DateTimeOffset? OwnExpiry { get; private set; }

    public void Own(X509Certificate2 certificate) => OwnExpiry = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());

    /// <summary>
    /// A peer's certificate accepted in a handshake. Only outbound handshakes name the peer by its Akka address; inbound ones name an
    /// ephemeral IP:port that no member has, so they are not kept (the node dials every member it talks to anyway).
    /// </summary>
    public void Accepted(string remotePeer, X509Certificate2 certificate)
    {
        if (AkkaAddressOf(remotePeer) is { } address) _expiries[address] = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>
    /// The transport names the peer it dials by its transport address (ssl.tcp://wgsupervisor@host:port); the cluster's members
    /// carry the protocol's prefix (akka.ssl.tcp://...). An inbound peer (an IP endpoint) has none.
    /// </summary>
    public static string? AkkaAddressOf(string remotePeer) =>
        !remotePeer.Contains("://", StringComparison.Ordinal) ? null
        : remotePeer.StartsWith("akka.", StringComparison.Ordinal) ? remotePeer
        : $"akka.{remotePeer}";

    /// <summary>When the certificate of the node at <paramref name="address"/> expires; null when unknown (no TLS, not yet dialled).</summary>
    public DateTimeOffset? ExpiryOf(string? address) => address is not null && _expiries.TryGetValue(address, out var expiry) ? expiry : null;
}
