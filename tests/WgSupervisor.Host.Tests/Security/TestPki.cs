using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Host.Security;

namespace WgSupervisor.Host.Tests.Security;

/// <summary>A throw-away cluster CA in a temporary folder, and node certificates it signs, as PEM files like `wgsupervisor certs` writes.</summary>
internal sealed class TestPki : IDisposable
{
    private readonly CertificateAuthority _ca;

    public string Folder { get; } = Directory.CreateTempSubdirectory("wgsup-pki-").FullName;

    public string CaFile { get; }

    public X509Certificate2 CaCertificate => _ca.Certificate;

    public TestPki(string name = "test cluster CA", DateTimeOffset? now = null)
    {
        _ca = CertificateAuthority.Create(name, now ?? DateTimeOffset.UtcNow);
        CaFile = Path.Combine(Folder, "ca.crt");
        File.WriteAllText(CaFile, _ca.Certificate.ExportCertificatePem());
    }

    /// <summary>A node's certificate (public part only), valid for <paramref name="lifetime"/> from <paramref name="from"/>.</summary>
    public X509Certificate2 Certificate(string node, TimeSpan? lifetime = null, DateTimeOffset? from = null, params string[] hosts)
    {
        var (certificate, key) = _ca.Issue(node, hosts.Length > 0 ? hosts : ["127.0.0.1"], lifetime ?? TimeSpan.FromDays(30), from ?? DateTimeOffset.UtcNow);
        key.Dispose();
        return certificate;
    }

    /// <summary>A node's certificate and key as PEM files in the folder.</summary>
    public CertificateSource NodeFiles(string node, params string[] hosts)
    {
        var (certificate, key) = _ca.Issue(node, hosts.Length > 0 ? hosts : ["127.0.0.1"], TimeSpan.FromDays(30), DateTimeOffset.UtcNow);
        using (certificate)
        using (key)
        {
            var certificateFile = Path.Combine(Folder, $"{node}.crt");
            var keyFile = Path.Combine(Folder, $"{node}.key");
            File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            return new CertificateSource(certificateFile, keyFile, null, null);
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
