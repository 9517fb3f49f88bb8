using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

/// <summary>What AddClusterTls registers, from a configuration as the loader reads it.</summary>
public sealed class ClusterTlsServicesTests : IDisposable
{
    private readonly TestPki _pki = new();

    [Fact]
    public void With_Cluster_Tls_the_certificate_is_loaded_its_expiry_watched_and_known_as_this_nodes()
    {
        var node = _pki.NodeFiles("gw-1", "10.250.200.1");
        var config = Load(new()
        {
            ["Cluster:Enabled"] = "true", ["Cluster:Hostname"] = "10.250.200.1",
            ["Cluster:Tls:CertificateFile"] = node.CertificateFile, ["Cluster:Tls:KeyFile"] = node.KeyFile, ["Cluster:Tls:CaFile"] = _pki.CaFile,
        });
        var services = new ServiceCollection();

        var tls = services.AddClusterTls(config);

        Assert.NotNull(tls);
        Assert.True(tls.Certificate.HasPrivateKey);
        using var provider = services.BuildServiceProvider();
        Assert.Equal(new DateTimeOffset(tls.Certificate.NotAfter.ToUniversalTime()), provider.GetRequiredService<PeerCertificates>().OwnExpiry);
        Assert.Equal([ClusterTls.Usage], provider.GetServices<MonitoredCertificate>().Select(c => c.Usage));
        Assert.Single(services, s => s.ImplementationType == typeof(CertificateExpiryMonitor));
    }

    [Fact]
    public void Without_Tls_only_the_empty_registry_is_there_for_api_nodes()
    {
        var config = Load(new() { ["Cluster:Enabled"] = "true" });
        var services = new ServiceCollection();

        Assert.Null(services.AddClusterTls(config));

        using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetRequiredService<PeerCertificates>().OwnExpiry);
        Assert.Empty(provider.GetServices<IHostedService>());
    }

    [Fact]
    public void Another_certificate_adds_to_the_one_monitor()
    {
        using var admin = _pki.Certificate("gw-1");
        using var remoting = _pki.Certificate("gw-1");
        var services = new ServiceCollection()
            .AddCertificateExpiryMonitor("gw-1", "remoting", remoting)
            .AddCertificateExpiryMonitor("gw-1", "admin", admin);

        Assert.Single(services, s => s.ImplementationType == typeof(CertificateExpiryMonitor));
        Assert.Equal(2, services.Count(s => s.ServiceType == typeof(MonitoredCertificate)));
    }

    private SupervisorSettings Load(Dictionary<string, string?> settings)
    {
        var path = Path.Combine(_pki.Folder, "wgsupervisor.json");
        File.WriteAllText(path, """{ "NodeName": "gw-1", "Backend": "Simulated" }""");
        var environment = settings.ToDictionary(s => "WGSUP_" + s.Key.Replace(":", "__"), s => s.Value);
        return ConfigLoader.Load(path, environment);
    }

    public void Dispose() => _pki.Dispose();
}
