using System.Net;
using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

/// <summary>`wgsupervisor certs`: the files it writes, their modes, and what the certificates say.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are the point; the supervisor runs on Linux
public sealed class CertsCommandTests : IDisposable
{
    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string _parent = Directory.CreateTempSubdirectory("wgsup-certs-").FullName;
    private string Out => Path.Combine(_parent, "pki");

    [Fact]
    public void It_makes_the_CA_and_a_certificate_per_node_with_private_keys_readable_by_the_owner_only()
    {
        var (exit, output, _) = Run("--out", Out, "gw-1=10.250.200.1,gw-1.example.net", "gw-2=10.250.200.2");

        Assert.Equal(0, exit);
        Assert.Equal(new[] { "ca.key", "ca.crt", "gw-1.key", "gw-1.crt", "gw-2.key", "gw-2.crt" }.Select(f => $"wrote {Path.Combine(Out, f)}"), Lines(output));
        Assert.Equal(["ca.crt", "ca.key", "gw-1.crt", "gw-1.key", "gw-2.crt", "gw-2.key"],
            Directory.GetFiles(Out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Out));
        foreach (var key in Directory.GetFiles(Out, "*.key")) Assert.Equal(Secret, File.GetUnixFileMode(key));
        foreach (var certificate in Directory.GetFiles(Out, "*.crt")) Assert.Equal(Public, File.GetUnixFileMode(certificate));
    }

    [Fact]
    public void A_node_certificate_names_the_node_and_its_hosts_serves_both_ends_and_chains_to_the_CA()
    {
        Assert.Equal(0, Run("--out", Out, "--days", "90", "gw-1=10.250.200.1,gw-1.example.net").Exit);

        using var node = X509Certificate2.CreateFromPemFile(Path.Combine(Out, "gw-1.crt"), Path.Combine(Out, "gw-1.key"));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Out, "ca.crt"));
        Assert.True(node.HasPrivateKey);
        Assert.Equal("CN=gw-1", node.Subject);
        var names = node.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Parse("10.250.200.1")], names.EnumerateIPAddresses());
        Assert.Equal(["gw-1.example.net"], names.EnumerateDnsNames());
        var usages = node.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages.Select(u => u.Value!).Order(StringComparer.Ordinal));
        Assert.False(node.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.NotNull(node.GetECDsaPublicKey());
        Assert.InRange(node.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(89.9), TimeSpan.FromDays(90.1));
        Assert.InRange(ca.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(3650), TimeSpan.FromDays(3653));
        Assert.True(ChainsTo(node, ca));
    }

    [Fact]
    public void The_default_lifetime_is_825_days()
    {
        Assert.Equal(0, Run("--out", Out, "gw-1=gw-1.example.net").Exit);

        using var node = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Out, "gw-1.crt"));
        Assert.InRange(node.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(824.9), TimeSpan.FromDays(825.1));
    }

    [Fact]
    public void A_second_run_reuses_the_CA_adds_new_nodes_and_replaces_a_node_named_again()
    {
        Assert.Equal(0, Run("--out", Out, "gw-1=10.250.200.1").Exit);
        var caBefore = File.ReadAllBytes(Path.Combine(Out, "ca.crt"));
        var caKeyBefore = File.ReadAllBytes(Path.Combine(Out, "ca.key"));
        var gw1Before = File.ReadAllText(Path.Combine(Out, "gw-1.crt"));

        var (exit, output, _) = Run("--out", Out, "gw-1=10.250.200.1", "gw-3=10.250.200.3");

        Assert.Equal(0, exit);
        Assert.Equal(new[] { "gw-1.key", "gw-1.crt", "gw-3.key", "gw-3.crt" }.Select(f => $"wrote {Path.Combine(Out, f)}"), Lines(output));
        Assert.Equal(caBefore, File.ReadAllBytes(Path.Combine(Out, "ca.crt")));
        Assert.Equal(caKeyBefore, File.ReadAllBytes(Path.Combine(Out, "ca.key")));
        Assert.NotEqual(gw1Before, File.ReadAllText(Path.Combine(Out, "gw-1.crt")));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Out, "ca.crt"));
        using var gw3 = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Out, "gw-3.crt"));
        Assert.True(ChainsTo(gw3, ca));
        Assert.Equal(Secret, File.GetUnixFileMode(Path.Combine(Out, "gw-1.key")));
    }

    [Fact]
    public void The_files_are_what_Cluster_Tls_loads()
    {
        Assert.Equal(0, Run("--out", Out, "gw-1=127.0.0.1").Exit);

        using var certificate = new CertificateSource(Path.Combine(Out, "gw-1.crt"), Path.Combine(Out, "gw-1.key"), null, null).Load();
        Assert.True(certificate.HasPrivateKey);
        Assert.Single(new ClusterTlsSettings(CertificateSource.None, Path.Combine(Out, "ca.crt"), []).LoadAnchors());
    }

    [Fact]
    public void A_CA_certificate_without_its_key_is_an_error_and_nothing_is_written()
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, "ca.crt"), "");

        var (exit, output, error) = Run("--out", Out, "gw-1=10.250.200.1");

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("exists without", error);
        Assert.Equal(["ca.crt"], Directory.GetFiles(Out).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("--out")]
    [InlineData("--out DIR")]
    [InlineData("gw-1=10.0.0.1")]
    [InlineData("--out DIR --days 0 gw-1=10.0.0.1")]
    [InlineData("--out DIR --days ten gw-1=10.0.0.1")]
    [InlineData("--out DIR gw-1")]
    [InlineData("--out DIR gw-1=")]
    [InlineData("--out DIR gw-1=bad_host")]
    [InlineData("--out DIR ../gw-1=10.0.0.1")]
    [InlineData("--out DIR ca=10.0.0.1")]
    [InlineData("--out DIR gw-1=10.0.0.1 gw-1=10.0.0.2")]
    [InlineData("--out DIR --verbose gw-1=10.0.0.1")]
    public void Bad_arguments_exit_2_with_the_usage_and_write_nothing(string args)
    {
        var (exit, output, error) = Run(args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a == "DIR" ? Out : a).ToArray());

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains(CertsCommand.Usage, error);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void The_command_line_hands_everything_after_certs_to_the_command()
    {
        var line = CommandLine.Parse(["certs", "--out", "pki", "--config", "gw-1=10.0.0.1"]);

        Assert.Equal(("certs", (string?)null), (line.Command, line.Error));
        Assert.Equal(["--out", "pki", "--config", "gw-1=10.0.0.1"], line.CommandArguments);
        Assert.Contains("wgsupervisor certs --out DIR", CommandLine.Usage);
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = CertsCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => Directory.Delete(_parent, recursive: true);
}
