using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Hosting;
using WgSupervisor.Host.Tests.Security;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>Cluster:Tls, Cluster:AllowPlaintextRemoting, the seed nodes' scheme, and the refusal of plaintext remoting on a network.</summary>
public sealed class ClusterTlsSectionTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _certificate, _key;

    public ClusterTlsSectionTests()
    {
        var files = _pki.NodeFiles("gw-1", "10.250.200.1");
        (_certificate, _key) = (files.CertificateFile!, files.KeyFile!);
    }

    private string Tls(string more = "") =>
        $$"""{ "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}", "CaFile": "{{_pki.CaFile}}"{{more}} }""";

    [Fact]
    public void Every_Tls_key_is_read_and_the_address_scheme_becomes_akka_ssl_tcp()
    {
        var reader = new SettingsReader();
        var thumbprint = string.Join(':', Enumerable.Range(0, 20).Select(i => $"{i:x2}"));

        var cluster = ClusterSection.Read(reader, Json($$"""
            { "Enabled": true, "Hostname": "10.250.200.1", "SeedNodes": [ "akka.ssl.tcp://wgsupervisor@10.250.200.1:4053" ],
              "Tls": { "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}", "CaFile": "{{_pki.CaFile}}",
                       "PinnedThumbprints": [ "{{thumbprint}}" ], "ValidateHostname": true } }
            """));

        Assert.Empty(reader.Problems);
        var tls = Assert.IsType<Host.Security.ClusterTlsSettings>(cluster.Tls);
        Assert.Equal((_certificate, _key, _pki.CaFile, true), (tls.Certificate.CertificateFile, tls.Certificate.KeyFile, tls.CaFile, tls.ValidateHostname));
        Assert.Equal(["000102030405060708090A0B0C0D0E0F10111213"], tls.PinnedThumbprints);
        Assert.Equal("akka.ssl.tcp://wgsupervisor@10.250.200.1:4053", AkkaSetup.AddressOf(cluster));
        Assert.Empty(reader.Warnings);
    }

    [Fact]
    public void Tls_needs_a_trust_anchor_for_peers()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json($$"""{ "Tls": { "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}" } }"""));

        Assert.Equal("Cluster:Tls:CaFile", Single(reader).Where);
    }

    [Fact]
    public void Tls_needs_this_nodes_certificate()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json($$"""{ "Tls": { "CaFile": "{{_pki.CaFile}}" } }"""));

        Assert.Equal("Cluster:Tls:CertificateFile", Single(reader).Where);
    }

    [Fact]
    public void Pinned_thumbprints_alone_are_a_trust_anchor_and_a_malformed_one_is_reported_at_its_index()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json($$"""
            { "Tls": { "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}",
                       "PinnedThumbprints": [ "{{new string('a', 40)}}", "not-a-thumbprint" ] } }
            """));

        Assert.Equal("Cluster:Tls:PinnedThumbprints:1", Single(reader).Where);
        Assert.Equal([new string('A', 40)], cluster.Tls!.PinnedThumbprints);
    }

    [Fact]
    public void Pinned_thumbprints_are_a_list()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json($$"""{ "Tls": {{Tls($", \"PinnedThumbprints\": \"{new string('a', 40)}\" ")}} }"""));

        Assert.Equal("Cluster:Tls:PinnedThumbprints", Single(reader).Where);
    }

    [Fact]
    public void A_CA_file_that_is_missing_or_holds_no_certificate_is_reported()
    {
        var empty = Path.Combine(_pki.Folder, "empty.crt");
        File.WriteAllText(empty, "nothing here");
        var missing = new SettingsReader();
        var useless = new SettingsReader();

        ClusterSection.Read(missing, Json($$"""{ "Tls": { "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}", "CaFile": "/nonexistent/ca.crt" } }"""));
        ClusterSection.Read(useless, Json($$"""{ "Tls": { "CertificateFile": "{{_certificate}}", "KeyFile": "{{_key}}", "CaFile": "{{empty}}" } }"""));

        Assert.Contains("does not exist", Single(missing).Problem);
        Assert.Equal("Cluster:Tls:CaFile", Single(useless).Where);
    }

    [Fact]
    public void Unknown_Tls_keys_are_refused()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json($$"""{ "Tls": {{Tls(""", "CipherSuites": "all" """)}} }"""));

        Assert.Equal(["Cluster:Tls:CipherSuites"], Places(reader));
    }

    [Fact]
    public void With_Tls_a_plaintext_seed_node_is_reported_at_its_index()
    {
        var reader = new SettingsReader();

        ClusterSection.Read(reader, Json($$"""
            { "Enabled": true, "SeedNodes": [ "akka.ssl.tcp://wgsupervisor@127.0.0.1:4053", "akka.tcp://wgsupervisor@127.0.0.1:4054" ], "Tls": {{Tls()}} }
            """));

        Assert.Equal("Cluster:SeedNodes:1", Single(reader).Where);
    }

    [Fact]
    public void Without_Tls_a_TLS_seed_node_is_reported_at_its_index()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json("""{ "Enabled": true, "SeedNodes": [ "akka.ssl.tcp://wgsupervisor@127.0.0.1:4053" ] }"""));

        Assert.Equal("Cluster:SeedNodes:0", Single(reader).Where);
        Assert.Contains("Cluster:Tls", Single(reader).Problem);
        Assert.Equal("akka.tcp", cluster.Scheme);
    }

    [Theory]
    [InlineData("10.250.200.1", null)]
    [InlineData("0.0.0.0", null)]
    [InlineData("gw-1.example.net", null)]
    [InlineData("127.0.0.1", "203.0.113.7")]
    public void A_cluster_on_a_network_address_without_Tls_is_refused_at_Cluster_Tls(string hostname, string? publicHostname)
    {
        var reader = new SettingsReader();
        var publicKey = publicHostname is null ? "" : $""", "PublicHostname": "{publicHostname}" """;

        ClusterSection.Read(reader, Json($$"""{ "Enabled": true, "Hostname": "{{hostname}}"{{publicKey}} }"""));

        var problem = Single(reader);
        Assert.Equal("Cluster:Tls", problem.Where);
        Assert.Contains("Cluster:AllowPlaintextRemoting", problem.Problem);
    }

    [Fact]
    public void Plaintext_on_a_network_address_is_accepted_when_explicitly_allowed_with_a_warning()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json("""
            { "Enabled": true, "Hostname": "10.250.200.1", "AllowPlaintextRemoting": true, "SeedNodes": [ "akka.tcp://wgsupervisor@10.250.200.1:4053" ] }
            """));

        Assert.Empty(reader.Problems);
        Assert.True(cluster.AllowPlaintextRemoting);
        Assert.Contains("AllowPlaintextRemoting", Assert.Single(reader.Warnings));
        Assert.Equal("akka.tcp://wgsupervisor@10.250.200.1:4053", AkkaSetup.AddressOf(cluster));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("localhost")]
    [InlineData("::1")]
    public void A_cluster_on_loopback_stays_plaintext_without_a_word(string hostname)
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json($$"""{ "Enabled": true, "Hostname": "{{hostname}}" }"""));

        Assert.Empty(reader.Problems);
        Assert.Empty(reader.Warnings);
        Assert.Null(cluster.Tls);
        Assert.Equal("akka.tcp", cluster.Scheme);
    }

    [Fact]
    public void A_disabled_cluster_needs_no_Tls()
    {
        var reader = new SettingsReader();

        var cluster = ClusterSection.Read(reader, Json("""{ "Hostname": "10.250.200.1" }"""));

        Assert.Empty(reader.Problems);
        Assert.False(cluster.AllowPlaintextRemoting);
    }

    public void Dispose() => _pki.Dispose();
}
