using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Security;

/// <summary>
/// <c>wgsupervisor certs --out DIR [--days N] NODE=HOST[,HOST...] ...</c>: the cluster CA (made once, then reused) and a certificate
/// per node for remoting TLS, as PEM files; keys 0600, certificates 0644, the folder 0700 when it is made.
/// </summary>
public static partial class CertsCommand
{
    public const string Usage = "usage: wgsupervisor certs --out DIR [--days N] NODE=HOST[,HOST...] [NODE=HOST...]";
    public const int DefaultDays = 825;
    public const string CaCertificateFile = "ca.crt", CaKeyFile = "ca.key";
    private const int MaxDays = 3650;
    private const int ExitFailed = 1, ExitUsage = 2;

    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateFolder = Secret | UnixFileMode.UserExecute;

    /// <summary>What was asked for: where, how long, which nodes with which names.</summary>
    public sealed record Request(string Folder, int Days, IReadOnlyList<(string Node, IReadOnlyList<string> Hosts)> Nodes);

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider? clock = null)
    {
        var parsed = Parse(args);
        if (parsed.Request is not { } request)
        {
            error.WriteLine($"wgsupervisor certs: {parsed.Error}");
            error.WriteLine(Usage);
            return ExitUsage;
        }
        try
        {
            Write(request, output, error, (clock ?? TimeProvider.System).GetUtcNow());
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // Messages name files and failures; nothing here ever formats key material.
            error.WriteLine($"wgsupervisor certs: {e.Message}");
            return ExitFailed;
        }
    }

    public sealed record Parsed(Request? Request, string? Error);

    public static Parsed Parse(IReadOnlyList<string> args)
    {
        string? folder = null;
        var days = DefaultDays;
        var nodes = new List<(string, IReadOnlyList<string>)>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Count:
                    folder = args[++i];
                    break;
                case "--days" when i + 1 < args.Count:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > MaxDays)
                        return new Parsed(null, $"--days is a whole number of days from 1 to {MaxDays}, not '{args[i]}'");
                    break;
                case "--out" or "--days":
                    return new Parsed(null, $"{args[i]} needs a value");
                case var argument when argument.StartsWith('-'):
                    return new Parsed(null, $"unknown option '{argument}'");
                case var argument:
                    if (NodeOf(argument, out var node) is { } problem) return new Parsed(null, problem);
                    if (nodes.Any(n => n.Item1 == node.Node)) return new Parsed(null, $"node {node.Node} is named twice");
                    nodes.Add(node);
                    break;
            }
        }
        if (folder is null) return new Parsed(null, "--out DIR is required");
        if (nodes.Count == 0) return new Parsed(null, "name at least one node, as NODE=HOST[,HOST...]");
        return new Parsed(new Request(folder, days, nodes), null);
    }

    private static string? NodeOf(string argument, out (string Node, IReadOnlyList<string> Hosts) node)
    {
        node = default;
        var parts = argument.Split('=', 2);
        if (parts.Length != 2) return $"'{argument}' is not NODE=HOST[,HOST...]";
        var name = parts[0];
        if (!ConfigPatterns.Name().IsMatch(name) || name.StartsWith('.')) return $"node name '{name}': {ConfigPatterns.NameRule}, not starting with '.'";
        if (name == "ca") return "'ca' names the CA's own files; choose another node name";
        var hosts = parts[1].Split(',', StringSplitOptions.TrimEntries);
        foreach (var host in hosts)
            if (!IPAddress.TryParse(host, out _) && !DnsName().IsMatch(host))
                return $"'{host}' (for {name}) is neither an IP address nor a DNS name";
        node = (name, hosts);
        return null;
    }

    /// <summary>A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), at most 253 characters.</summary>
    [GeneratedRegex("^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex DnsName();

    private static void Write(Request request, TextWriter output, TextWriter error, DateTimeOffset now)
    {
        if (!Directory.Exists(request.Folder))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(request.Folder);
            else Directory.CreateDirectory(request.Folder, PrivateFolder);
        }
        using var ca = OpenOrCreateCa(request.Folder, output, now);
        foreach (var (node, hosts) in request.Nodes)
        {
            var (certificate, key) = ca.Issue(node, hosts, TimeSpan.FromDays(request.Days), now);
            using (certificate)
            using (key)
            {
                if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(request.Days).AddMinutes(-1))
                    error.WriteLine($"wgsupervisor certs: {node}'s certificate ends with the CA's, on {certificate.NotAfter.ToUniversalTime():u}");
                WriteFile(Path.Combine(request.Folder, $"{node}.key"), key.ExportPkcs8PrivateKeyPem(), Secret, output);
                WriteFile(Path.Combine(request.Folder, $"{node}.crt"), certificate.ExportCertificatePem(), Public, output);
            }
        }
    }

    private static CertificateAuthority OpenOrCreateCa(string folder, TextWriter output, DateTimeOffset now)
    {
        var certificateFile = Path.Combine(folder, CaCertificateFile);
        var keyFile = Path.Combine(folder, CaKeyFile);
        var (hasCertificate, hasKey) = (File.Exists(certificateFile), File.Exists(keyFile));
        if (hasCertificate && hasKey) return CertificateAuthority.Load(certificateFile, keyFile);
        if (hasCertificate || hasKey)
            throw new IOException($"{(hasCertificate ? certificateFile : keyFile)} exists without {(hasCertificate ? keyFile : certificateFile)}: "
                + "restore the missing file, or remove both to make a new CA (then every node needs a new certificate)");
        // A name of its own, so that a refusal ("issuer ...") tells this cluster's CA from another made by the same command.
        var ca = CertificateAuthority.Create($"wgsupervisor cluster CA {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", now);
        WriteFile(keyFile, ca.KeyPem(), Secret, output);
        WriteFile(certificateFile, ca.Certificate.ExportCertificatePem(), Public, output);
        return ca;
    }

    /// <summary>Written beside the target with its final mode from the start, then moved over it: a key is never readable by others, not even briefly, and a reader never sees half a file.</summary>
    private static void WriteFile(string path, string text, UnixFileMode mode, TextWriter output)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode & Secret;
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(text);
            // The umask may have taken bits away (or the mode asked for more than the owner's): set it as meant.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, mode);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        output.WriteLine($"wrote {path}");
    }
}
