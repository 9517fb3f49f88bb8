using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace WgSupervisor.Host.Security;

/// <summary>
/// Decides, in every remoting TLS handshake and on both sides, whether the peer's certificate is one of the cluster's: it chains to a
/// CA of Cluster:Tls:CaFile (nothing else is trusted: not the system store, no revocation lists to fetch) or its thumbprint is pinned,
/// and it is within its validity. Refusals are logged as warnings with the peer and the reason.
/// </summary>
public sealed class PeerCertificateValidator(ClusterTlsSettings settings, X509Certificate2Collection anchors, PeerCertificates peers, TimeProvider clock)
{
    private int _refused;

    /// <summary>Handshakes refused since start (a test can see that the refusal came from here, not from a closed port).</summary>
    public int Refused => _refused;

    /// <summary>The callback Akka's DotNetty transport calls; it takes precedence over Akka's own chain check against the system store.</summary>
    public CertificateValidationCallback Callback => Validate;

    public bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (RefusalOf(certificate, chain, errors) is { } reason)
        {
            Interlocked.Increment(ref _refused);
            log.Warning("Remoting TLS: refused peer {0}: {1}", remotePeer, reason);
            return false;
        }
        peers.Accepted(remotePeer, certificate!);
        return true;
    }

    /// <summary>Why the certificate is refused, or null when it is accepted.</summary>
    /// <param name="presented">The chain SslStream built from what the peer sent (its intermediates help build ours); may be null.</param>
    public string? RefusalOf(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return "it presented no certificate";
        var now = clock.GetUtcNow();
        var subject = certificate.Subject;
        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime()) return $"the certificate of {subject} is not valid before {certificate.NotBefore.ToUniversalTime():u}";
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime()) return $"the certificate of {subject} expired on {certificate.NotAfter.ToUniversalTime():u}";
        // Only outbound handshakes have a host to compare with; SslStream sets the flag when the certificate does not name it.
        if (settings.ValidateHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return $"the certificate of {subject} does not name the host dialled (Cluster:Tls:ValidateHostname is true)";
        if (settings.PinnedThumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase)) return null;
        if (anchors.Count == 0) return $"the certificate of {subject} (thumbprint {certificate.Thumbprint}) is not pinned in Cluster:Tls:PinnedThumbprints";
        return ChainProblem(certificate, presented, now) is { } problem
            ? $"the certificate of {subject} (issuer {certificate.Issuer}) does not chain to the cluster CA: {problem}"
            : null;
    }

    private string? ChainProblem(X509Certificate2 certificate, X509Chain? presented, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        // A private CA publishes no revocation lists; a compromised node's certificate is removed by rotating the CA or unpinning it.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(certificate)) return null;
        var statuses = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return string.Join("; ", statuses) is { Length: > 0 } text ? text : "the chain could not be built";
    }
}
