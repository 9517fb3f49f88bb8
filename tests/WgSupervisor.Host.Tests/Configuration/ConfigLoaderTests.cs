using System.Text.Json.Nodes;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using Xunit;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>ConfigLoader on real files in a temporary directory (removed after each test).</summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-config-tests-").FullName;
    private static readonly Dictionary<string, string?> NoEnvironment = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Creates an (empty) wg-quick file named IFACE.conf and returns its absolute path.</summary>
    private string WgQuick(string iface)
    {
        var path = Path.Combine(_directory, $"{iface}.conf");
        File.WriteAllText(path, "[Interface]\n");
        return path;
    }

    private string Write(string text, string name = "wgsupervisor.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Write(JsonObject config) => Write(config.ToJsonString());

    private JsonObject Tunnel(string name, string iface, string? key = null) => new()
    {
        ["Name"] = name,
        ["Interface"] = iface,
        ["PeerPublicKey"] = key ?? TestKeys.Random(),
        ["WgQuickConfig"] = WgQuick(iface),
    };

    private static JsonObject Config(params JsonObject[] tunnels) => new()
    {
        ["NodeName"] = "gw1",
        ["Tunnels"] = new JsonArray([.. tunnels]),
    };

    private static ConfigException LoadFails(string path, IDictionary<string, string?>? environment = null) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, environment ?? NoEnvironment));

    private static string[] Places(ConfigException error) => error.Problems.Select(p => p.Where).ToArray();

    [Fact]
    public void A_minimal_config_gets_the_documented_defaults()
    {
        var key = TestKeys.Random();
        var path = Write(Config(Tunnel("site-a", "wg0", key)));

        var config = ConfigLoader.Load(path, NoEnvironment);

        Assert.Equal("gw1", config.NodeName);
        Assert.Equal("http://127.0.0.1:5080/", config.AdminUrl.ToString());
        Assert.Equal(TimeSpan.FromSeconds(5), config.PollInterval);
        Assert.Equal(2, config.MaxConcurrentRestarts);
        Assert.Equal(new JournalSettings(JournalProvider.Sqlite, "data/wgsupervisor.db", null, 100), config.Journal);
        Assert.Equal("127.0.0.1", config.Cluster.Hostname);
        Assert.Equal(0, config.Cluster.Port);
        Assert.Empty(config.Cluster.SeedNodes);
        Assert.Empty(config.Warnings);

        var tunnel = Assert.Single(config.Tunnels);
        Assert.Equal("site-a", tunnel.Name);
        Assert.Equal("wg0", tunnel.Interface);
        Assert.Equal(key, tunnel.PeerPublicKey);
        Assert.Equal(Path.Combine(_directory, "wg0.conf"), tunnel.WgQuickConfig);
        Assert.Null(tunnel.Namespace);
        Assert.Null(tunnel.Site);
        Assert.Equal(TimeSpan.FromSeconds(180), tunnel.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(20), tunnel.VerifyTimeout);
        Assert.Equal((TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromSeconds(300)), (tunnel.Backoff.Base, tunnel.Backoff.Factor, tunnel.Backoff.Cap));
        // The default ladder, minus re-resolve: this conf gives the peer no Endpoint to re-resolve.
        Assert.Equal([RepairRung.ResetPeer, RepairRung.RestartInterface], tunnel.Ladder);
        Assert.True(config.Discover);
        Assert.Equal([null], config.Namespaces);
        Assert.Equal((WgSupervisor.Domain.Fleet.PermitLimits.DefaultMaxConcurrentPeer, WgSupervisor.Domain.Fleet.CommonCausePolicy.Default),
            (config.MaxConcurrentPeerRepairs, config.CommonCause));
        Assert.Equal((null, false, ProbeSettings.DefaultConfirmProbes), (tunnel.Uplink, tunnel.UnderlayProbe, tunnel.Probe?.ConfirmProbes ?? 6));
    }

    [Fact]
    public void The_diagnosis_settings_are_read_into_the_supervisor_settings()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["Uplink"] = "fibre-a";
        tunnel["Probe"] = new JsonObject { ["Address"] = "10.251.0.2", ["ConfirmProbes"] = 4, ["ConfirmWaitSeconds"] = 0.25 };
        var config = Config(tunnel);
        config["MaxConcurrentPeerRepairs"] = 16;
        config["CommonCause"] = new JsonObject { ["WindowSeconds"] = 5, ["Fraction"] = 0.5, ["MinTunnels"] = 4 };
        config["Defaults"] = new JsonObject { ["UnderlayProbe"] = true };

        var loaded = ConfigLoader.Load(Write(config), NoEnvironment);

        Assert.Equal(16, loaded.MaxConcurrentPeerRepairs);
        Assert.Equal(new WgSupervisor.Domain.Fleet.CommonCausePolicy(true, TimeSpan.FromSeconds(5), 0.5, 4, WgSupervisor.Domain.Fleet.CommonCausePolicy.DefaultSettle), loaded.CommonCause);
        var read = Assert.Single(loaded.Tunnels);
        Assert.Equal(("fibre-a", true), (read.Uplink, read.UnderlayProbe));
        Assert.Equal((4, TimeSpan.FromSeconds(0.25)), (read.Probe!.ConfirmProbes, read.Probe.ConfirmWait));
    }

    [Fact]
    public void Mistakes_in_the_diagnosis_settings_of_every_section_come_out_at_once()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["UnderlayProbe"] = "maybe";
        tunnel["Probe"] = new JsonObject { ["Address"] = "10.251.0.2", ["ConfirmProbes"] = 50 };
        var config = Config(tunnel);
        config["MaxConcurrentPeerRepairs"] = 0;
        config["CommonCause"] = new JsonObject { ["Fraction"] = 0, ["MinTunnels"] = 1 };
        config["Defaults"] = new JsonObject { ["Uplink"] = "two words" };

        var error = LoadFails(Write(config));

        Assert.Equal(["CommonCause:Fraction", "CommonCause:MinTunnels", "Defaults:Uplink", "MaxConcurrentPeerRepairs", "Tunnels:0:Probe:ConfirmProbes",
            "Tunnels:0:UnderlayProbe"], Places(error).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_peer_with_an_endpoint_in_its_conf_gets_the_whole_default_ladder_cheapest_first()
    {
        var key = TestKeys.Random();
        var tunnel = Tunnel("site-a", "wg0", key);
        File.WriteAllText((string)tunnel["WgQuickConfig"]!,
            $"[Interface]\nListenPort = 51820\n\n[Peer]\nPublicKey = {key}\nEndpoint = gw.example.net:51820\nAllowedIPs = 10.0.0.0/24\n");

        var settings = Assert.Single(ConfigLoader.Load(Write(Config(tunnel)), NoEnvironment).Tunnels);

        Assert.Equal([RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface], settings.Ladder);
        Assert.Equal(RepairLadder.Default, settings.Ladder);
    }

    [Fact]
    public void Without_a_node_name_the_machine_name_is_used_and_no_tunnels_is_a_warning()
    {
        var config = ConfigLoader.Load(Write("{}"), NoEnvironment);

        Assert.Equal(Environment.MachineName, config.NodeName);
        Assert.Empty(config.Tunnels);
        Assert.Contains(config.Warnings, w => w.StartsWith("Tunnels:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_config_file_loads()
    {
        var shipped = ShippedConfig();

        var config = ConfigLoader.Load(shipped, NoEnvironment);

        Assert.Equal(TimeSpan.FromSeconds(5), config.PollInterval);
    }

    private static string ShippedConfig()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "config", "wgsupervisor.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) return candidate;
        }
        throw new FileNotFoundException("config/wgsupervisor.json of the repository was not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void A_file_with_three_mistakes_reports_all_three_with_their_key_paths()
    {
        var config = Config(
            Tunnel("site-a", "wg0", key: "not-a-key"),
            Tunnel("site-b", "wg1"),
            Tunnel("site-b", "wg2"),
            Tunnel("site-c", "wg3"));
        config["PollIntervalSeconds"] = -5;
        ((JsonObject)config["Tunnels"]![3]!)["Colour"] = "blue";

        var error = LoadFails(Write(config));

        Assert.Equal(["PollIntervalSeconds", "Tunnels:0:PeerPublicKey", "Tunnels:2:Name", "Tunnels:3:Colour"], Places(error).Order(StringComparer.Ordinal));
        Assert.Contains("'site-b'", error.Problems.Single(p => p.Where == "Tunnels:2:Name").Problem, StringComparison.Ordinal);
        Assert.Contains("at least 0.1", error.Problems.Single(p => p.Where == "PollIntervalSeconds").Problem, StringComparison.Ordinal);
        foreach (var problem in error.Problems)
            Assert.Contains($"{problem.Where}: {problem.Problem}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Uniqueness is checked across every entry, so a duplicate name does not hide behind another mistake.</summary>
    [Fact]
    public void A_duplicate_name_is_reported_even_when_one_of_the_duplicates_has_another_mistake()
    {
        var config = Config(Tunnel("site-b", "wg1"), Tunnel("site-b", "wg2"));
        ((JsonObject)config["Tunnels"]![1]!)["Colour"] = "blue";

        var error = LoadFails(Write(config));

        Assert.Contains("Tunnels:1:Colour", Places(error));
        Assert.Contains("Tunnels:1:Name", Places(error));
    }

    [Fact]
    public void Three_mistakes_of_different_kinds_are_all_reported()
    {
        var config = Config(Tunnel("site-a", "wg0", key: TestKeys.Random()[..43] + "B"), Tunnel("site-a", "wg1"), Tunnel("site-a", "wg2"));
        config["PollIntervalSeconds"] = -1;

        var error = LoadFails(Write(config));

        Assert.Equal(["PollIntervalSeconds", "Tunnels:0:PeerPublicKey", "Tunnels:2:Name"], Places(error).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Two_tunnels_for_the_same_peer_of_the_same_interface_are_refused()
    {
        var key = TestKeys.Random();

        var error = LoadFails(Write(Config(Tunnel("one", "wg0", key), Tunnel("two", "wg0", key))));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Tunnels", problem.Where);
        Assert.Contains("one, two", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_one_problem_naming_the_line()
    {
        var path = Write("{\n  \"NodeName\": \"gw1\",\n  \"PollIntervalSeconds\": ,\n  \"Tunnels\": []\n}\n");

        var problem = Assert.Single(LoadFails(path).Problems);

        Assert.Contains(path, problem.Where, StringComparison.Ordinal);
        Assert.Contains("line 3", problem.Where, StringComparison.Ordinal);
        Assert.Equal("invalid JSON", problem.Problem);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_allowed()
    {
        var path = Write("{\n  // the gateway\n  \"NodeName\": \"gw1\",\n  \"PollIntervalSeconds\": 3,\n}\n");

        Assert.Equal(TimeSpan.FromSeconds(3), ConfigLoader.Load(path, NoEnvironment).PollInterval);
    }

    [Fact]
    public void A_missing_file_is_one_problem_naming_the_file()
    {
        var path = Path.Combine(_directory, "absent.json");

        var problem = Assert.Single(LoadFails(path).Problems);

        Assert.Equal(path, problem.Where);
        Assert.Contains("does not exist", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_override_the_file()
    {
        var path = Write(Config(Tunnel("site-a", "wg0")));
        var environment = new Dictionary<string, string?>
        {
            ["WGSUP_PollIntervalSeconds"] = "2.5",
            ["WGSUP_Tunnels__0__StaleAfterSeconds"] = "240",
            ["WGSUP_Admin__Url"] = "http://127.0.0.1:6000",
            ["PollIntervalSeconds"] = "99", // no prefix: not ours
            ["OTHER_MaxConcurrentRestarts"] = "7",
        };

        var config = ConfigLoader.Load(path, environment);

        Assert.Equal(TimeSpan.FromSeconds(2.5), config.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(240), Assert.Single(config.Tunnels).StaleAfter);
        Assert.Equal("http://127.0.0.1:6000/", config.AdminUrl.ToString());
        Assert.Equal(2, config.MaxConcurrentRestarts);
    }

    [Fact]
    public void Environment_variables_are_validated_like_the_file()
    {
        var path = Write(Config(Tunnel("site-a", "wg0")));
        var environment = new Dictionary<string, string?>
        {
            ["WGSUP_Tunnels__0__StaleAfterSeconds"] = "soon",
            ["WGSUP_Colour"] = "blue",
        };

        var error = LoadFails(path, environment);

        Assert.Equal(["Colour", "Tunnels:0:StaleAfterSeconds"], Places(error).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_environment_variable_can_add_a_whole_tunnel()
    {
        var path = Write(Config());
        var conf = WgQuick("wg5");
        var key = TestKeys.Random();
        var environment = new Dictionary<string, string?>
        {
            ["WGSUP_Tunnels__0__Name"] = "from-env",
            ["WGSUP_Tunnels__0__Interface"] = "wg5",
            ["WGSUP_Tunnels__0__PeerPublicKey"] = key,
            ["WGSUP_Tunnels__0__WgQuickConfig"] = conf,
        };

        var tunnel = Assert.Single(ConfigLoader.Load(path, environment).Tunnels);

        Assert.Equal(("from-env", "wg5", key), (tunnel.Name, tunnel.Interface, tunnel.PeerPublicKey));
    }

    [Fact]
    public void WgQuickConfig_must_be_an_absolute_path()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["WgQuickConfig"] = "wg0.conf";

        var problem = Assert.Single(LoadFails(Write(Config(tunnel))).Problems);

        Assert.Equal("Tunnels:0:WgQuickConfig", problem.Where);
        Assert.Contains("absolute", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void WgQuickConfig_must_be_named_after_the_interface()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["WgQuickConfig"] = WgQuick("wg1");

        var problem = Assert.Single(LoadFails(Write(Config(tunnel))).Problems);

        Assert.Equal("Tunnels:0:WgQuickConfig", problem.Where);
        Assert.Contains("wg0.conf", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void WgQuickConfig_must_exist()
    {
        var tunnel = Tunnel("site-a", "wg0");
        var missing = Path.Combine(_directory, "elsewhere", "wg0.conf");
        tunnel["WgQuickConfig"] = missing;

        var problem = Assert.Single(LoadFails(Write(Config(tunnel))).Problems);

        Assert.Equal("Tunnels:0:WgQuickConfig", problem.Where);
        Assert.Contains("does not exist", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_WgQuickConfig_the_file_in_etc_wireguard_is_expected()
    {
        const string iface = "wgsuptest9"; // a name no host should have in /etc/wireguard
        var tunnel = Tunnel("site-a", iface);
        tunnel.Remove("WgQuickConfig");

        var problem = Assert.Single(LoadFails(Write(Config(tunnel))).Problems);

        Assert.Equal("Tunnels:0:WgQuickConfig", problem.Where);
        Assert.Contains($"/etc/wireguard/{iface}.conf", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_apply_to_every_tunnel_and_a_tunnel_overrides_them_key_by_key()
    {
        var config = Config(Tunnel("inherits", "wg0"), Tunnel("overrides", "wg1"));
        config["Defaults"] = JsonNode.Parse("""
            {
              "StaleAfterSeconds": 240, "VerifyTimeoutSeconds": 30,
              "Backoff": { "BaseSeconds": 5, "Factor": 3, "CapSeconds": 600 },
              "Repair": [ "reset-peer", "restart-interface" ]
            }
            """);
        var overrides = (JsonObject)config["Tunnels"]![1]!;
        overrides["StaleAfterSeconds"] = 200;
        overrides["Backoff"] = new JsonObject { ["Factor"] = 1.5 };
        overrides["Repair"] = new JsonArray("reresolve-endpoint", "ResetPeer", "command");

        var tunnels = ConfigLoader.Load(Write(config), NoEnvironment).Tunnels;

        var inherits = tunnels.Single(t => t.Name == "inherits");
        Assert.Equal(TimeSpan.FromSeconds(240), inherits.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), inherits.VerifyTimeout);
        Assert.Equal((TimeSpan.FromSeconds(5), 3.0, TimeSpan.FromSeconds(600)), (inherits.Backoff.Base, inherits.Backoff.Factor, inherits.Backoff.Cap));
        Assert.Equal([RepairRung.ResetPeer, RepairRung.RestartInterface], inherits.Ladder);

        var own = tunnels.Single(t => t.Name == "overrides");
        Assert.Equal(TimeSpan.FromSeconds(200), own.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), own.VerifyTimeout);
        Assert.Equal((TimeSpan.FromSeconds(5), 1.5, TimeSpan.FromSeconds(600)), (own.Backoff.Base, own.Backoff.Factor, own.Backoff.Cap));
        Assert.Equal([RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.Command], own.Ladder);
    }

    /// <summary>BUG (src, uncommitted): the Defaults fall back to BackoffPolicy.Default, whose Escalation is 0 s (static order).</summary>
    [Fact]
    public void Without_EscalateSeconds_a_tunnel_climbs_to_an_untried_rung_after_one_second()
    {
        var tunnel = Assert.Single(ConfigLoader.Load(Write(Config(Tunnel("site-a", "wg0"))), NoEnvironment).Tunnels);

        Assert.Equal(TimeSpan.FromSeconds(1), tunnel.Backoff.Escalation);
    }

    [Fact]
    public void EscalateSeconds_is_read_from_defaults_and_overridden_per_tunnel()
    {
        var config = Config(Tunnel("a", "wg0"), Tunnel("b", "wg1"));
        config["Defaults"] = JsonNode.Parse("""{ "Backoff": { "EscalateSeconds": 2 } }""");
        ((JsonObject)config["Tunnels"]![1]!)["Backoff"] = JsonNode.Parse("""{ "EscalateSeconds": 0 }""");

        var tunnels = ConfigLoader.Load(Write(config), NoEnvironment).Tunnels;

        Assert.Equal(TimeSpan.FromSeconds(2), tunnels.Single(t => t.Name == "a").Backoff.Escalation);
        Assert.Equal(TimeSpan.Zero, tunnels.Single(t => t.Name == "b").Backoff.Escalation);
        Assert.Equal("Defaults:Backoff:EscalateSeconds",
            Assert.Single(LoadFails(Write("""{ "Defaults": { "Backoff": { "EscalateSeconds": -1 } } }""")).Problems).Where);
    }

    [Theory]
    [InlineData(120, true)]
    [InlineData(134, true)]
    [InlineData(135, false)]
    [InlineData(180, false)]
    public void A_stale_threshold_below_135_s_is_a_warning_not_an_error(int staleAfterSeconds, bool warned)
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["StaleAfterSeconds"] = staleAfterSeconds;

        var config = ConfigLoader.Load(Write(Config(tunnel)), NoEnvironment);

        Assert.Equal(TimeSpan.FromSeconds(staleAfterSeconds), Assert.Single(config.Tunnels).StaleAfter);
        Assert.Equal(warned, config.Warnings.Any(w => w.StartsWith("Tunnels:0:StaleAfterSeconds", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_low_default_threshold_warns_for_every_tunnel_that_inherits_it()
    {
        var config = Config(Tunnel("a", "wg0"), Tunnel("b", "wg1"));
        config["Defaults"] = new JsonObject { ["StaleAfterSeconds"] = 60 };
        ((JsonObject)config["Tunnels"]![1]!)["StaleAfterSeconds"] = 300;

        var warnings = ConfigLoader.Load(Write(config), NoEnvironment).Warnings;

        Assert.Equal("Tunnels:0:StaleAfterSeconds", Assert.Single(warnings)[.."Tunnels:0:StaleAfterSeconds".Length]);
    }

    public static TheoryData<string, string> SingleMistakes() => new()
    {
        { """{ "MaxConcurrentRestarts": 0 }""", "MaxConcurrentRestarts" },
        { """{ "MaxConcurrentRestarts": 2.5 }""", "MaxConcurrentRestarts" },
        { """{ "PollIntervalSeconds": "fast" }""", "PollIntervalSeconds" },
        { """{ "PollIntervalSeconds": "NaN" }""", "PollIntervalSeconds" },
        { """{ "PollIntervalSeconds": 0 }""", "PollIntervalSeconds" },
        { """{ "NodeName": "gw 1" }""", "NodeName" },
        { """{ "Admin": { "Url": "http://127.0.0.1:5080/admin" } }""", "Admin:Url" },
        { """{ "Admin": { "Url": "ftp://127.0.0.1" } }""", "Admin:Url" },
        { """{ "Admin": { "Port": 5080 } }""", "Admin:Port" },
        { """{ "Journal": { "Provider": "Oracle" } }""", "Journal:Provider" },
        { """{ "Journal": { "Provider": "PostgreSql" } }""", "Journal:ConnectionString" },
        { """{ "Journal": { "SnapshotEvery": 0 } }""", "Journal:SnapshotEvery" },
        { """{ "Cluster": { "Port": 70000 } }""", "Cluster:Port" },
        { """{ "Cluster": { "Enabled": true, "SeedNodes": [ "akka.tcp://wgsupervisor@10.0.0.1:4053", "10.0.0.2:4053" ] } }""", "Cluster:SeedNodes:1" },
        { """{ "Defaults": { "Backoff": { "BaseSeconds": 60, "CapSeconds": 30 } } }""", "Defaults:Backoff:CapSeconds" },
        { """{ "Defaults": { "Backoff": { "Factor": 0.5 } } }""", "Defaults:Backoff:Factor" },
        { """{ "Defaults": { "Backoff": { "Jitter": true } } }""", "Defaults:Backoff:Jitter" },
        { """{ "Defaults": { "Repair": [ "reset-peer", "reboot" ] } }""", "Defaults:Repair:1" },
        { """{ "Defaults": { "VerifyTimeoutSeconds": 0.5 } }""", "Defaults:VerifyTimeoutSeconds" },
        { """{ "Defaults": { "Name": "x" } }""", "Defaults:Name" },
    };

    [Theory]
    [MemberData(nameof(SingleMistakes))]
    public void Each_mistake_is_reported_at_its_key_path(string json, string where)
    {
        var problem = Assert.Single(LoadFails(Write(json)).Problems);

        Assert.Equal(where, problem.Where);
        Assert.False(string.IsNullOrWhiteSpace(problem.Problem));
    }

    [Theory]
    [InlineData("Name", "site a")]
    [InlineData("Interface", "wg0-with-a-long-name")]
    [InlineData("Namespace", "ns/1")]
    [InlineData("Site", "bad site")]
    [InlineData("PeerPublicKey", "")]
    [InlineData("PeerPublicKey", "xgAWmD3LEMTmHD8bUriayuYaNcmige3BMhqjGo0CfHs")]
    public void Each_tunnel_field_is_validated_at_its_key_path(string field, string value)
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel[field] = value;

        var error = LoadFails(Write(Config(tunnel)));

        Assert.Contains($"Tunnels:0:{field}", Places(error));
    }

    [Fact]
    public void A_required_tunnel_field_that_is_missing_is_reported()
    {
        var error = LoadFails(Write(Config(new JsonObject { ["Interface"] = "wg0", ["WgQuickConfig"] = WgQuick("wg0") })));

        Assert.Equal(["Tunnels:0:Name", "Tunnels:0:PeerPublicKey"], Places(error).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string, string> TunnelMistakes() => new()
    {
        { "Probe", """{ "Kind": "tcp", "Address": "10.0.0.1" }""", "Tunnels:0:Probe:Port" },
        { "Probe", """{ "Address": "fd00::1" }""", "Tunnels:0:Probe:Address" },
        { "Probe", """{ "Address": "gw.example.net" }""", "Tunnels:0:Probe:Address" },
        { "Probe", """{ "Address": "10.0.0.1", "IntervalSeconds": 2, "TimeoutSeconds": 5 }""", "Tunnels:0:Probe:TimeoutSeconds" },
        { "Probe", """{ "Address": "10.0.0.1", "Failures": 0 }""", "Tunnels:0:Probe:Failures" },
        { "Probe", """{ "Address": "10.0.0.1", "Colour": "blue" }""", "Tunnels:0:Probe:Colour" },
        { "Repair", """[ "reset-peer", "reset-peer" ]""", "Tunnels:0:Repair:1" },
        { "Repair", """[ "reboot" ]""", "Tunnels:0:Repair:0" },
        { "Repair", """[ { "Rung": "reboot" } ]""", "Tunnels:0:Repair:0:Rung" },
        { "Repair", """[ { "Rung": "command" } ]""", "Tunnels:0:Repair:0:Command" },
        { "Repair", """[ { "Rung": "command", "Command": [ "fix-it", "wg0" ] } ]""", "Tunnels:0:Repair:0:Command" },
        { "Repair", """[ { "Rung": "reset-peer", "Command": [ "/bin/true" ] } ]""", "Tunnels:0:Repair:0:Command" },
        { "Repair", """[ { "Rung": "reset-peer", "SystemdUnit": "wg-quick@wg0" } ]""", "Tunnels:0:Repair:0:SystemdUnit" },
        { "Repair", """[ { "Rung": "restart-interface", "SystemdUnit": "wg quick" } ]""", "Tunnels:0:Repair:0:SystemdUnit" },
        { "Repair", """[ { "Rung": "reset-peer", "Retries": 3 } ]""", "Tunnels:0:Repair:0:Retries" },
        { "EndpointHost", "\"gw.example.net\"", "Tunnels:0:EndpointHost" },
        { "ReceiveStallSeconds", "0", "Tunnels:0:ReceiveStallSeconds" },
    };

    [Theory]
    [MemberData(nameof(TunnelMistakes))]
    public void Each_mistake_in_probe_repair_and_endpoint_settings_is_reported_at_its_key_path(string key, string json, string where)
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel[key] = JsonNode.Parse(json);

        var problem = Assert.Single(LoadFails(Write(Config(tunnel))).Problems);

        Assert.Equal(where, problem.Where);
    }

    [Fact]
    public void Probe_repair_options_endpoint_and_stall_window_are_read_into_the_tunnel_settings()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["Probe"] = JsonNode.Parse("""{ "Kind": "tcp", "Address": "10.0.0.1", "Port": 22, "IntervalSeconds": 5, "TimeoutSeconds": 2, "Failures": 4 }""");
        tunnel["Repair"] = JsonNode.Parse("""
            [ "reset-peer",
              { "Rung": "restart-interface", "SystemdUnit": "wg-quick@wg0", "VerifyTimeoutSeconds": 40 },
              { "Rung": "command", "Command": [ "/usr/local/bin/fix", "wg0" ], "TimeoutSeconds": 30 } ]
            """);
        tunnel["EndpointHost"] = "gw.example.net:51820";
        tunnel["ReceiveStallSeconds"] = 90;

        var settings = Assert.Single(ConfigLoader.Load(Write(Config(tunnel)), NoEnvironment).Tunnels);

        Assert.Equal(new ProbeSettings(ProbeKind.Tcp, "10.0.0.1", 22, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 4), settings.Probe);
        Assert.Equal([RepairRung.ResetPeer, RepairRung.RestartInterface, RepairRung.Command], settings.Ladder);
        Assert.Equal("wg-quick@wg0", settings.Repair.SystemdUnit);
        Assert.Equal(["/usr/local/bin/fix", "wg0"], settings.Repair.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Repair.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(40), settings.VerifyTimeoutFor(RepairRung.RestartInterface));
        Assert.Equal(TunnelSettings.PeerRungVerifyTimeout, settings.VerifyTimeoutFor(RepairRung.ResetPeer));
        Assert.Equal(TimeSpan.FromSeconds(20), settings.VerifyTimeoutFor(RepairRung.Command));
        Assert.Equal("gw.example.net:51820", settings.Repair.EndpointHost);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.ReceiveStallAfter);
    }

    [Fact]
    public void Discovery_and_extra_namespaces_are_read_and_validated()
    {
        var config = Config(Tunnel("site-a", "wg0"));
        config["Discover"] = false;
        config["Namespaces"] = new JsonArray("site-b", "site-b", "lab.1");

        var loaded = ConfigLoader.Load(Write(config), NoEnvironment);

        Assert.False(loaded.Discover);
        Assert.Equal([null, "site-b", "lab.1"], loaded.Namespaces);

        config["Discover"] = "maybe";
        config["Namespaces"] = new JsonArray("ok", "not ok");
        Assert.Equal(["Discover", "Namespaces:1"], Places(LoadFails(Write(config))).Order(StringComparer.Ordinal));
    }

    // ---- Inputs that escape as another exception type (bugs in src, see the report) ----

    /// <summary>Regression of a fixed defect: TimeSpan.FromSeconds overflows for a finite but huge number of seconds.</summary>
    [Theory]
    [InlineData("""{ "PollIntervalSeconds": 1e300 }""", "PollIntervalSeconds")]
    [InlineData("""{ "Defaults": { "StaleAfterSeconds": -1e15 } }""", "Defaults:StaleAfterSeconds")]
    public void A_number_of_seconds_too_large_for_a_time_span_is_a_config_problem(string json, string where)
    {
        Assert.Contains(where, Places(LoadFails(Write(json))));
    }

    /// <summary>Regression of a fixed defect: the configuration binder throws for JSON that JsonDocument accepts.</summary>
    [Theory]
    [InlineData("[ 1, 2 ]")]
    [InlineData("null")]
    [InlineData("""{ "PollIntervalSeconds": 5, "pollintervalseconds": 6 }""")]
    public void Json_that_is_well_formed_but_not_a_configuration_object_is_a_config_problem(string json)
    {
        Assert.NotEmpty(LoadFails(Write(json)).Problems);
    }

    /// <summary>Regression of a fixed defect: a key with a trailing newline passes WireGuardKey.IsValid and would never match the dump.</summary>
    [Fact]
    public void A_peer_key_with_a_trailing_newline_is_refused()
    {
        var tunnel = Tunnel("site-a", "wg0");
        tunnel["PeerPublicKey"] = TestKeys.Random() + "\n";

        Assert.Contains("Tunnels:0:PeerPublicKey", Places(LoadFails(Write(Config(tunnel)))));
    }
}
