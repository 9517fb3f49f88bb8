using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Security;

/// <summary>
/// A certificate with its private key, named by files: PEM (CertificateFile + KeyFile) or PKCS#12 (PfxFile, with
/// an optional PfxPasswordFile). Only paths live here; the key is read when loaded and never printed.
/// </summary>
public sealed record CertificateSource(string? CertificateFile, string? KeyFile, string? PfxFile, string? PfxPasswordFile)
{
    public static CertificateSource None => new(null, null, null, null);

    public bool IsSet => CertificateFile is not null || PfxFile is not null;

    /// <summary>The files named (a certificate that changes is picked up when the node restarts).</summary>
    public IEnumerable<string> Files => new[] { CertificateFile, KeyFile, PfxFile, PfxPasswordFile }.OfType<string>();

    /// <summary>Loads the certificate with its key. Re-imported as PKCS#12 so that SslStream can use the key on every platform.</summary>
    /// <exception cref="CertificateLoadException">A file is missing or unreadable, or the certificate has no usable private key.</exception>
    public X509Certificate2 Load()
    {
        try
        {
            if (PfxFile is not null)
            {
                var password = PfxPasswordFile is null ? null : File.ReadAllText(PfxPasswordFile).TrimEnd('\r', '\n');
                var pfx = X509CertificateLoader.LoadPkcs12FromFile(PfxFile, password, X509KeyStorageFlags.Exportable);
                return RequirePrivateKey(pfx, PfxFile);
            }
            if (CertificateFile is null || KeyFile is null) throw new CertificateLoadException("a certificate needs both CertificateFile and KeyFile");
            using var pem = X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
            RequirePrivateKey(pem, KeyFile);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The message of the underlying exception names the file and the failure, never key material.
            throw new CertificateLoadException(e.Message, e);
        }
    }

    private static X509Certificate2 RequirePrivateKey(X509Certificate2 certificate, string file) =>
        certificate.HasPrivateKey ? certificate : throw new CertificateLoadException($"{file} holds no private key for the certificate");

    /// <summary>The four keys that name a certificate in a section, read with <paramref name="set"/>, and a check that it loads.</summary>
    public static KeyTable<T> Keys<T>(Func<T, CertificateSource> get, Func<T, CertificateSource, T> set) => new KeyTable<T>()
        .Key("CertificateFile", (k, s) => set(s, get(s) with { CertificateFile = ExistingFile(k) }))
        .Key("KeyFile", (k, s) => set(s, get(s) with { KeyFile = ExistingFile(k) }))
        .Key("PfxFile", (k, s) => set(s, get(s) with { PfxFile = ExistingFile(k) }))
        .Key("PfxPasswordFile", (k, s) => set(s, get(s) with { PfxPasswordFile = ExistingFile(k) }))
        .Check((section, s) =>
        {
            var source = get(s);
            if (source.PfxFile is not null && source.CertificateFile is not null)
                section.Problem("PfxFile", "give either PfxFile or CertificateFile with KeyFile, not both");
            else if (source.CertificateFile is not null && source.KeyFile is null) section.Problem("KeyFile", "is required with CertificateFile");
            else if (source.KeyFile is not null && source.CertificateFile is null) section.Problem("CertificateFile", "is required with KeyFile");
            else if (source.IsSet && source.Files.All(File.Exists)) CheckLoads(section, source);
        });

    private static void CheckLoads(SectionContext section, CertificateSource source)
    {
        try
        {
            using var certificate = source.Load();
        }
        catch (CertificateLoadException e)
        {
            section.Problem(source.PfxFile is not null ? "PfxFile" : "CertificateFile", $"cannot be used: {e.Message}");
        }
    }

    private static string? ExistingFile(KeyReader key)
    {
        if (key.Text is not { } path) return null;
        if (!File.Exists(path)) key.Problem($"{path} does not exist");
        return path;
    }
}

/// <summary>A certificate or its key could not be loaded; the message names the file, never key material.</summary>
public sealed class CertificateLoadException(string message, Exception? inner = null) : Exception(message, inner);
