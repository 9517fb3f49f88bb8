using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Security;

/// <summary>Remoting TLS as it runs: this node's certificate (with its key) and the validator of peers' certificates.</summary>
public sealed record ClusterTls(ClusterTlsSettings Settings, X509Certificate2 Certificate, PeerCertificateValidator Validator)
{
    public const string Usage = "remoting";

    /// <summary>Loads the certificate and the CA anchors of <paramref name="settings"/>.</summary>
    /// <exception cref="CertificateLoadException">A file is missing or unusable (the configuration check reports it first).</exception>
    public static ClusterTls Load(ClusterTlsSettings settings, PeerCertificates peers, TimeProvider clock) =>
        new(settings, settings.Certificate.Load(), new PeerCertificateValidator(settings, settings.LoadAnchors(), peers, clock));
}

public static class ClusterTlsExtensions
{
    /// <summary>
    /// The registry of peers' certificate expiries (always, so /api/nodes can ask it), and with Cluster:Tls the loaded certificate,
    /// its expiry monitor and the peer validator. Gives back what remoting needs, or null for plaintext.
    /// </summary>
    public static ClusterTls? AddClusterTls(this IServiceCollection services, SupervisorSettings config)
    {
        var peers = new PeerCertificates();
        services.AddSingleton(peers);
        if (config.Cluster.Tls is not { } settings) return null;
        var tls = ClusterTls.Load(settings, peers, TimeProvider.System);
        services.AddSingleton(tls);
        peers.Own(tls.Certificate);
        services.AddCertificateExpiryMonitor(config.NodeName, ClusterTls.Usage, tls.Certificate);
        return tls;
    }
}
