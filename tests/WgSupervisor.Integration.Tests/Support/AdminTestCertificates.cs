using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// A private CA and a server certificate it signed (SubjectAltName 127.0.0.1 and localhost), made with .NET's
/// CertificateRequest for one test and written as PEM files into a directory the caller owns: ca.crt, admin.crt, admin.key
/// (0600). ECDSA P-256, valid for a day.
/// </summary>
public sealed class AdminTestCertificates
{
    private AdminTestCertificates(string caFile, string certificateFile, string keyFile, X509Certificate2 authority)
    {
        CaFile = caFile;
        CertificateFile = certificateFile;
        KeyFile = keyFile;
        Authority = authority;
    }

    public string CaFile { get; }
    public string CertificateFile { get; }
    public string KeyFile { get; }

    /// <summary>The CA certificate (public part only), for a client's custom trust store.</summary>
    public X509Certificate2 Authority { get; }

    public static AdminTestCertificates WriteTo(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=wgsupervisor admin test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);

        var caFile = Path.Combine(directory, "ca.crt");
        var certificateFile = Path.Combine(directory, "admin.crt");
        var keyFile = Path.Combine(directory, "admin.key");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certificateFile, server.ExportCertificatePem());
        File.WriteAllText(keyFile, "");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        return new AdminTestCertificates(caFile, certificateFile, keyFile, X509CertificateLoader.LoadCertificate(ca.RawData));
    }
}
