using System.Text.RegularExpressions;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Security;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace WgSupervisor.Domain.Tests.Packaging;

/// <summary>
/// The deployment files are checked here because no Docker engine or systemd runs on the build machines:
/// docker-compose.yml must describe PostgreSQL and three cluster nodes whose settings the host accepts, and the
/// systemd unit must keep its hardening and the settings the product relies on.
/// </summary>
public sealed partial class PackagingTests
{
    private static readonly string Root = FindRoot();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(:\?[^}]*)?\}")]
    private static partial Regex Interpolation();

    [Fact]
    public void The_compose_file_runs_postgres_and_three_cluster_nodes_over_mutual_tls_whose_settings_the_host_accepts()
    {
        var services = LoadCompose()["services"];
        Assert.Equal(["certs", "node1", "node2", "node3", "postgres"], Keys(services).Order());
        Assert.True(File.Exists(Path.Combine(Root, "Dockerfile")), "the nodes build the project's own Dockerfile");

        // The certs service's own arguments, run here: the nodes' settings must accept what it makes.
        var certs = (YamlMappingNode)services["certs"];
        var tls = Directory.CreateTempSubdirectory("wgsup-compose-tls-").FullName;
        try
        {
            var arguments = Keys(certs["command"]).ToList();
            Assert.Equal(["certs", "--out", "/tls"], arguments.Take(3));
            Assert.Equal(0, CertsCommand.Run([.. arguments.Skip(1).Select(a => a == "/tls" ? tls : a)], TextWriter.Null, TextWriter.Null));
            CheckNodes(services, tls);
        }
        finally
        {
            Directory.Delete(tls, recursive: true);
        }
    }

    private static void CheckNodes(YamlNode services, string tls)
    {
        var configs = new List<SupervisorSettings>();
        foreach (var name in new[] { "node1", "node2", "node3" })
        {
            var node = (YamlMappingNode)services[name];
            Assert.Equal(".", Scalar(node, "build"));
            Assert.Contains("postgres", Keys(node["depends_on"]));
            Assert.Contains("certs", Keys(node["depends_on"]));
            Assert.Contains(Keys(node["volumes"]), v => v == "tls:/etc/wgsupervisor/tls:ro");
            var address = Scalar((YamlMappingNode)node["networks"]["lan"], "ipv4_address");
            var environment = Keys(node["environment"]).ToDictionary(k => k,
                k => (string?)Interpolate(Scalar((YamlMappingNode)node["environment"], k)).Replace("/etc/wgsupervisor/tls", tls));

            var config = ConfigLoader.Load(Path.Combine(Root, "config", "wgsupervisor.json"), environment);

            Assert.True(config.Cluster.Enabled, $"{name}: Cluster:Enabled");
            Assert.Equal(address, config.Cluster.Hostname);
            Assert.Equal(JournalProvider.PostgreSql, config.Journal.Provider);
            Assert.True(config.AdminToken.IsSet, $"{name} listens beyond loopback, so it has a token");
            Assert.NotNull(config.Cluster.Tls);
            Assert.Equal(Uri.UriSchemeHttps, config.AdminUrl.Scheme);
            Assert.Equal(config.Cluster.Tls.Certificate, config.AdminCertificate);
            Assert.All(config.Cluster.SeedNodes, seed => Assert.Matches(@"^akka\.ssl\.tcp://wgsupervisor@172\.28\.0\.1[1-3]:4053$", seed));
            configs.Add(config);
        }
        Assert.Equal(3, configs.Select(c => c.NodeName).Distinct().Count());
    }

    [Fact]
    public void The_systemd_unit_is_hardened_and_keeps_tunnels_alive_across_its_own_restarts()
    {
        var unit = File.ReadAllLines(Path.Combine(Root, "packaging", "wgsupervisor.service"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0].Trim(), p => p[1].Trim())
            .ToDictionary(g => g.Key, g => g.Last());

        Assert.Equal("process", unit["KillMode"]);
        Assert.Equal("strict", unit["ProtectSystem"]);
        Assert.Equal("yes", unit["NoNewPrivileges"]);
        Assert.Equal("wgsupervisor", unit["StateDirectory"]);
        Assert.Equal("2", unit["RestartPreventExitStatus"]);
        foreach (var capability in new[] { "CAP_NET_ADMIN", "CAP_NET_RAW" }) Assert.Contains(capability, unit["CapabilityBoundingSet"]);
        Assert.DoesNotContain("CAP_SYS_MODULE", unit["CapabilityBoundingSet"]);
        Assert.Contains("/opt/wgsupervisor/wgsupervisor.dll", unit["ExecStart"]);
        Assert.Contains("/opt/wgsupervisor", File.ReadAllText(Path.Combine(Root, "packaging", "install.sh")));
    }

    private static YamlMappingNode LoadCompose()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));
        var stream = new YamlStream();
        // Merging parser: the nodes share their settings through anchors and merge keys (<<).
        stream.Load(new MergingParser(new Parser(reader)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static IEnumerable<string> Keys(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!),
        YamlSequenceNode list => list.Children.Select(c => ((YamlScalarNode)c).Value!),
        _ => throw new InvalidDataException($"expected a mapping or a list at {node.Start}"),
    };

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    /// <summary>Compose's ${NAME:?message}: the variable an operator must set; a test value stands in for it.</summary>
    private static string Interpolate(string value) =>
        Interpolation().Replace(value, m => m.Groups["name"].Value == "WGSUPERVISOR_ADMIN_TOKEN" ? "compose-check-token-0123456789" : m.Value);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("cannot find WgSupervisor.sln");
    }
}
