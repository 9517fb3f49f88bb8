using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace WgSupervisor.Host.Security;

/// <summary>
/// When the certificates of this node and of its peers expire, as remoting handshakes showed them (/api/nodes reads it). A peer this
/// node dialled is known by its Akka address; a peer that dialled in is known only by its certificate's common name (the node name, as
/// `wgsupervisor certs` writes it), since the transport names it by an ephemeral IP endpoint and Akka answers over that same connection.
/// Without TLS it stays empty and every expiry is unknown (null).
/// </summary>
public sealed class PeerCertificates
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byName = new(StringComparer.Ordinal);

    /// <summary>When this node's own certificate expires (null without TLS).</summary>
    public DateTimeOffset? OwnExpiry { get; private set; }

    public void Own(X509Certificate2 certificate) => OwnExpiry = ExpiryOf(certificate);

    /// <summary>A peer's certificate accepted in a handshake; <paramref name="remotePeer"/> as Akka's transport gives it.</summary>
    public void Accepted(string remotePeer, X509Certificate2 certificate)
    {
        if (AkkaAddressOf(remotePeer) is { } address) _byAddress[address] = ExpiryOf(certificate);
        if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } name) _byName[name] = ExpiryOf(certificate);
    }

    /// <summary>When the certificate of the node <paramref name="name"/> at <paramref name="address"/> expires; null when unknown.</summary>
    public DateTimeOffset? ExpiryOf(string name, string? address) =>
        address is not null && _byAddress.TryGetValue(address, out var byAddress) ? byAddress
        : _byName.TryGetValue(name, out var byName) ? byName
        : null;

    /// <summary>
    /// The transport names a peer it dials by its transport address (ssl.tcp://wgsupervisor@host:port); the cluster's members carry the
    /// protocol's prefix (akka.ssl.tcp://...). A peer that dialled in (an IP endpoint) has no Akka address: null.
    /// </summary>
    public static string? AkkaAddressOf(string remotePeer) =>
        !remotePeer.Contains("://", StringComparison.Ordinal) ? null
        : remotePeer.StartsWith("akka.", StringComparison.Ordinal) ? remotePeer
        : $"akka.{remotePeer}";

    private static DateTimeOffset ExpiryOf(X509Certificate2 certificate) => new(certificate.NotAfter.ToUniversalTime());
}
