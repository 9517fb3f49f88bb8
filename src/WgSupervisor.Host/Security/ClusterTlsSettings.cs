using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Security;

/// <summary>
/// Mutual TLS for remoting (Cluster:Tls): this node's certificate, and what a peer's certificate must chain to (the cluster CA in
/// <paramref name="CaFile"/>) or be (one of <paramref name="PinnedThumbprints"/>). Paths only; certificates are read when loaded.
/// </summary>
/// <param name="PinnedThumbprints">SHA-1 thumbprints of accepted peer certificates, upper-case hex without separators.</param>
/// <param name="ValidateHostname">Also require the peer's certificate to name the host dialled (off: per-node certificates, chain only).</param>
public sealed record ClusterTlsSettings(CertificateSource Certificate, string? CaFile, IReadOnlyList<string> PinnedThumbprints, bool ValidateHostname = false)
{
    public static ClusterTlsSettings None => new(CertificateSource.None, null, []);

    public bool HasTrustAnchor => CaFile is not null || PinnedThumbprints.Count > 0;

    /// <summary>The trusted CA certificates of <see cref="CaFile"/> (none without it).</summary>
    /// <exception cref="CertificateLoadException">The file is unreadable or holds no certificate.</exception>
    public X509Certificate2Collection LoadAnchors()
    {
        var anchors = new X509Certificate2Collection();
        if (CaFile is null) return anchors;
        try
        {
            anchors.ImportFromPemFile(CaFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CertificateLoadException($"{CaFile}: {e.Message}", e);
        }
        return anchors.Count > 0 ? anchors : throw new CertificateLoadException($"{CaFile} holds no PEM certificate");
    }
}

/// <summary>The Cluster:Tls keys.</summary>
public static partial class ClusterTlsSection
{
    public const string Name = "Tls";

    [GeneratedRegex("^[0-9A-F]{40}$")]
    private static partial Regex Sha1Hex();

    public static readonly KeyTable<ClusterTlsSettings> Keys = new KeyTable<ClusterTlsSettings>()
        .Include(CertificateSource.Keys<ClusterTlsSettings>(t => t.Certificate, (t, c) => t with { Certificate = c }))
        .Key("CaFile", (k, t) => t with { CaFile = CaFileOf(k) })
        .Key("PinnedThumbprints", (k, t) => t with { PinnedThumbprints = ThumbprintsOf(k) })
        .Key("ValidateHostname", (k, t) => t with { ValidateHostname = k.Boolean(t.ValidateHostname) })
        .Check((section, t) =>
        {
            if (!t.Certificate.IsSet) section.Problem("CertificateFile", "remoting TLS needs this node's certificate: CertificateFile with KeyFile, or PfxFile");
            if (!t.HasTrustAnchor)
                section.Problem("CaFile", "remoting TLS needs a trust anchor for peers: CaFile (the cluster CA) and/or PinnedThumbprints");
        });

    private static string? CaFileOf(KeyReader key)
    {
        if (key.Text is not { } path) return null;
        if (!File.Exists(path))
        {
            key.Problem($"{path} does not exist");
            return path;
        }
        try
        {
            new ClusterTlsSettings(CertificateSource.None, path, []).LoadAnchors();
        }
        catch (CertificateLoadException e)
        {
            key.Problem($"cannot be used: {e.Message}");
        }
        return path;
    }

    /// <summary>Thumbprints as hex, with or without ':' or ' ' between bytes, in any case; kept upper-case without separators.</summary>
    private static IReadOnlyList<string> ThumbprintsOf(KeyReader key)
    {
        var thumbprints = new List<string>();
        if (key.Text is not null) key.Problem("is a list of thumbprints, like [ \"3F2A...\" ]");
        foreach (var item in key.Items)
        {
            var normalised = (item.Value ?? "").Replace(":", "").Replace(" ", "").ToUpperInvariant();
            if (Sha1Hex().IsMatch(normalised)) thumbprints.Add(normalised);
            else key.Problem(item.Key, "a SHA-1 thumbprint is 40 hex digits (openssl x509 -fingerprint -sha1, or X509Certificate2.Thumbprint)");
        }
        return thumbprints;
    }
}
