using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Security;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The Admin section's security keys: https and its certificate, the read token, the failed-authentication budget.</summary>
public sealed class AdminSecuritySectionTests : IDisposable
{
    private const string AdminSecret = "0123456789abcdef0123";
    private const string ReadSecret = "fedcba9876543210fedc";
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-admin-security-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static AdminSettings Read(SettingsReader reader, string json, string? token = AdminSecret, string? readToken = null,
        CertificateSource? cluster = null) =>
        AdminSection.Read(reader, Json(json), token, readToken, cluster);

    private string File(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A self-signed certificate and its key as PEM files (the section checks that they load).</summary>
    private (string Certificate, string Key) CertificateFiles()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=admin-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (File("admin.crt", certificate.ExportCertificatePem()), File("admin.key", key.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void Https_with_its_own_pem_certificate_is_accepted()
    {
        var reader = new SettingsReader();
        var (certificate, key) = CertificateFiles();

        var admin = Read(reader, $$"""{ "Url": "https://127.0.0.1:5443", "CertificateFile": "{{certificate}}", "KeyFile": "{{key}}" }""");

        Assert.Empty(reader.Problems);
        Assert.True(admin.IsHttps);
        Assert.Equal(certificate, admin.Certificate.CertificateFile);
        using var loaded = admin.Certificate.Load();
        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public void Https_without_a_certificate_is_refused_naming_admin_certificate_file()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "Url": "https://127.0.0.1:5443" }""");

        Assert.Equal("Admin:CertificateFile", Single(reader).Where);
    }

    [Fact]
    public void Https_without_a_certificate_of_its_own_uses_the_cluster_certificate()
    {
        var reader = new SettingsReader();
        var cluster = new CertificateSource("/etc/wgsupervisor/n1.crt", "/etc/wgsupervisor/n1.key", null, null);

        var admin = Read(reader, """{ "Url": "https://10.0.0.1:5443" }""", cluster: cluster);

        Assert.Empty(reader.Problems);
        Assert.Equal(cluster, admin.Certificate);
    }

    [Fact]
    public void An_https_admin_endpoint_in_a_whole_configuration_shares_the_cluster_tls_certificate()
    {
        var (certificate, key) = CertificateFiles();

        var config = ConfigLoader.Read(Json($$"""
            {
              "Admin": { "Url": "https://127.0.0.1:5443" },
              "Cluster": { "Tls": { "CertificateFile": "{{certificate}}", "KeyFile": "{{key}}", "CaFile": "{{certificate}}" } }
            }
            """));

        Assert.Equal(new CertificateSource(certificate, key, null, null), config.AdminCertificate);
    }

    [Fact]
    public void A_certificate_with_a_plain_http_url_is_a_warning()
    {
        var reader = new SettingsReader();
        var (certificate, key) = CertificateFiles();

        Read(reader, $$"""{ "CertificateFile": "{{certificate}}", "KeyFile": "{{key}}" }""");

        Assert.Empty(reader.Problems);
        Assert.Contains(reader.Warnings, w => w.Contains("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void The_read_token_comes_from_the_environment_before_its_file_and_never_prints()
    {
        var fromFile = new SettingsReader();
        var fromEnvironment = new SettingsReader();
        var file = File("read-token", ReadSecret + "\n");

        var byFile = Read(fromFile, $$"""{ "Url": "http://0.0.0.0:5080", "ReadTokenFile": "{{file}}" }""");
        var byVariable = Read(fromEnvironment, $$"""{ "ReadTokenFile": "/nonexistent/read-token" }""", readToken: "from-the-environment-1");

        Assert.Empty(fromFile.Problems);
        Assert.True(byFile.ReadToken.Matches(ReadSecret));
        Assert.Empty(fromEnvironment.Problems);
        Assert.True(byVariable.ReadToken.Matches("from-the-environment-1"));
        Assert.Equal("(set)", byFile.ReadToken.ToString());
    }

    [Fact]
    public void A_short_read_token_is_reported_where_it_came_from()
    {
        var reader = new SettingsReader();

        var admin = Read(reader, "{}", readToken: "short");

        Assert.Equal(AdminSection.ReadTokenVariable, Single(reader).Where);
        Assert.False(admin.ReadToken.IsSet);
    }

    [Fact]
    public void The_read_token_must_differ_from_the_admin_token()
    {
        var reader = new SettingsReader();

        Read(reader, $$"""{ "ReadTokenFile": "{{File("read-token", AdminSecret)}}" }""");

        Assert.Equal("Admin:ReadTokenFile", Single(reader).Where);
    }

    [Fact]
    public void A_url_off_loopback_still_needs_the_admin_token_even_with_a_read_token()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "Url": "http://0.0.0.0:5080" }""", token: null, readToken: ReadSecret);

        Assert.Equal("Admin:Url", Single(reader).Where);
    }

    [Fact]
    public void The_failure_budget_defaults_to_20_a_minute_and_can_be_set()
    {
        var defaults = Read(new SettingsReader(), "{}");
        var reader = new SettingsReader();

        var set = Read(reader, """{ "AuthFailures": { "Limit": 5, "WindowSeconds": 2 } }""");

        Assert.Equal(new AuthFailureBudget(20, TimeSpan.FromSeconds(60)), defaults.AuthFailures);
        Assert.Empty(reader.Problems);
        Assert.Equal(new AuthFailureBudget(5, TimeSpan.FromSeconds(2)), set.AuthFailures);
    }

    [Fact]
    public void A_budget_below_its_minimum_or_an_unknown_key_is_a_problem_with_its_path()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "AuthFailures": { "Limit": 0, "WindowSeconds": 0.5, "Burst": 3 } }""");

        Assert.Equal(["Admin:AuthFailures:Burst", "Admin:AuthFailures:Limit", "Admin:AuthFailures:WindowSeconds"], Places(reader));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.9.9.9:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("https://[::]:5443", false)]
    [InlineData("https://gw1.example.net:5443", false)]
    public void Only_loopback_urls_count_as_loopback(string url, bool loopback) => Assert.Equal(loopback, AdminSection.IsLoopback(new Uri(url)));

    [Fact]
    public void The_loader_passes_the_read_token_variable_and_keeps_the_settings()
    {
        var config = File("wgsupervisor.json", """
            { "Admin": { "Url": "http://0.0.0.0:5080", "AuthFailures": { "Limit": 50 } }, "Backend": "Simulated", "Discover": false }
            """);

        var settings = ConfigLoader.Load(config, new Dictionary<string, string?>
        {
            [AdminToken.EnvironmentVariable] = AdminSecret, [AdminSection.ReadTokenVariable] = ReadSecret,
        });

        Assert.True(settings.AdminToken.Matches(AdminSecret));
        Assert.True(settings.AdminReadToken.Matches(ReadSecret));
        Assert.Equal(50, settings.AdminAuthFailures.Limit);
        Assert.False(settings.AdminCertificate.IsSet);
    }
}
