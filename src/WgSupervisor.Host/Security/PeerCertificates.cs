using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace WgSupervisor.Host.Security;

/// <summary>
/// When the certificates of this node and of its peers expire, as remoting handshakes showed them (/api/nodes reads it). A peer this
/// node dialled is known by its Akka address; a peer that dialled in by its certificate's common name (the node name, as
/// `wgsupervisor certs` writes it) and by the IP address it came from (not a loopback one, which several nodes may share), since the
/// transport names it by an ephemeral IP endpoint and Akka answers over that same connection.
/// Without TLS it stays empty and every expiry is unknown (null).
/// </summary>
public sealed class PeerCertificates
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _byHost = new();

    /// <summary>When this node's own certificate expires (null without TLS).</summary>
    public DateTimeOffset? OwnExpiry { get; private set; }

    public void Own(X509Certificate2 certificate) => OwnExpiry = ExpiryOf(certificate);

    /// <summary>A peer's certificate accepted in a handshake; <paramref name="remotePeer"/> as Akka's transport gives it.</summary>
    public void Accepted(string remotePeer, X509Certificate2 certificate)
    {
        if (AkkaAddressOf(remotePeer) is { } address) _byAddress[address] = ExpiryOf(certificate);
        if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } name) _byName[name] = ExpiryOf(certificate);
        if (HostOf(remotePeer) is { } host) _byHost[host] = ExpiryOf(certificate);
    }

    /// <summary>When the certificate of the node <paramref name="name"/> at <paramref name="address"/> expires; null when unknown.</summary>
    public DateTimeOffset? ExpiryOf(string name, string? address) =>
        address is not null && _byAddress.TryGetValue(address, out var byAddress) ? byAddress
        : _byName.TryGetValue(name, out var byName) ? byName
        : address is not null && HostOf(address) is { } host && _byHost.TryGetValue(host, out var byHost) ? byHost
        : null;

    /// <summary>
    /// The IP address in an Akka address (akka.ssl.tcp://wgsupervisor@10.0.0.2:4053) or an IP endpoint ([::ffff:10.0.0.2]:49534), mapped
    /// to IPv4 where it is one; null for a host name or a loopback address.
    /// </summary>
    public static IPAddress? HostOf(string peer)
    {
        var at = peer.LastIndexOf('@');
        var hostAndPort = at >= 0 ? peer[(at + 1)..] : peer;
        var colon = hostAndPort.LastIndexOf(':');
        var host = (colon > 0 ? hostAndPort[..colon] : hostAndPort).Trim('[', ']');
        if (!IPAddress.TryParse(host, out var address)) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address) ? null : address;
    }

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
