using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>Defaults and Tunnels[]: one declaration of the per-tunnel fields, read for both (files in a temporary directory).</summary>
public sealed class TunnelSectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-tunnel-tests-").FullName;
    private readonly string _key = TestKeys.Random();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Conf(string iface, string text = "[Interface]\n")
    {
        var path = Path.Combine(_directory, $"{iface}.conf");
        File.WriteAllText(path, text);
        return path;
    }

    private string Tunnel(string extra = "", string iface = "wg0") =>
        $$"""{ "Name": "site-a", "Interface": "{{iface}}", "PeerPublicKey": "{{_key}}", "WgQuickConfig": "{{Conf(iface)}}" {{extra}} }""";

    private static TunnelSettings? ReadTunnel(SettingsReader reader, string json, TunnelFields? defaults = null, bool checkFiles = true) =>
        TunnelSection.ReadTunnel(reader, Json(json), "Tunnels:0", defaults ?? TunnelSection.Baseline, checkFiles);

    [Fact]
    public void Empty_defaults_are_the_built_in_ones()
    {
        var reader = new SettingsReader();

        var defaults = TunnelSection.ReadDefaults(reader, Json("{}"));

        Assert.Equal(BackoffPolicy.Default, defaults.Settings.Backoff);
        Assert.Equal((Thresholds.DefaultStaleAfter, TimeSpan.FromSeconds(20)), (defaults.Settings.StaleAfter, defaults.Settings.VerifyTimeout));
        Assert.Equal(RepairLadder.Default, defaults.Settings.Ladder);
        Assert.False(defaults.LadderConfigured);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Defaults_take_only_the_shared_fields_and_warn_about_nothing()
    {
        var reader = new SettingsReader();

        TunnelSection.ReadDefaults(reader, Json("""{ "StaleAfterSeconds": 60, "Name": "x", "Probe": { "Address": "10.0.0.1" } }"""));

        Assert.Equal(["Defaults:Name", "Defaults:Probe"], Places(reader));
        Assert.Empty(reader.Warnings);
    }

    [Fact]
    public void A_tunnel_starts_from_the_defaults_and_overrides_them_key_by_key()
    {
        var reader = new SettingsReader();
        var defaults = TunnelSection.ReadDefaults(reader, Json("""{ "StaleAfterSeconds": 240, "ReceiveStallSeconds": 90, "Repair": [ "reset-peer" ] }"""));

        var tunnel = ReadTunnel(reader, Tunnel(""", "StaleAfterSeconds": 200, "Site": "north", "Namespace": "ns1" """), defaults);

        Assert.Empty(reader.Problems);
        Assert.NotNull(tunnel);
        Assert.Equal(("site-a", "wg0", _key, "north", "ns1"), (tunnel.Name, tunnel.Interface, tunnel.PeerPublicKey, tunnel.Site, tunnel.Namespace));
        Assert.Equal((TimeSpan.FromSeconds(200), (TimeSpan?)TimeSpan.FromSeconds(90)), (tunnel.StaleAfter, tunnel.ReceiveStallAfter));
        Assert.Equal([RepairRung.ResetPeer], tunnel.Ladder);
        Assert.False(tunnel.Discovered);
    }

    [Fact]
    public void Uplink_and_underlay_probe_are_off_by_default_come_from_defaults_and_are_overridden_per_tunnel()
    {
        var reader = new SettingsReader();
        var builtIn = TunnelSection.ReadDefaults(reader, Json("{}"));
        var defaults = TunnelSection.ReadDefaults(reader, Json("""{ "Uplink": "fibre-a", "UnderlayProbe": true }"""));

        var inheriting = ReadTunnel(reader, Tunnel(), defaults);
        var overriding = ReadTunnel(reader, Tunnel(""", "Uplink": "lte", "UnderlayProbe": false """, iface: "wg1"), defaults);

        Assert.Empty(reader.Problems);
        Assert.Equal((null, false), (builtIn.Settings.Uplink, builtIn.Settings.UnderlayProbe));
        Assert.Equal(("fibre-a", true), (inheriting!.Uplink, inheriting.UnderlayProbe));
        Assert.Equal(("lte", false), (overriding!.Uplink, overriding.UnderlayProbe));
        Assert.True(TunnelSection.DiscoveryTemplate(defaults).UnderlayProbe);
    }

    [Fact]
    public void A_bad_uplink_or_underlay_probe_is_reported_at_its_key_in_defaults_and_in_a_tunnel()
    {
        var reader = new SettingsReader();

        TunnelSection.ReadDefaults(reader, Json("""{ "Uplink": "fibre a", "UnderlayProbe": "sometimes" }"""));
        var tunnel = ReadTunnel(reader, Tunnel(""", "Uplink": "line/1", "UnderlayProbe": 1 """));

        Assert.Null(tunnel);
        Assert.Equal(["Defaults:UnderlayProbe", "Defaults:Uplink", "Tunnels:0:UnderlayProbe", "Tunnels:0:Uplink"], Places(reader));
        Assert.Contains(reader.Problems, p => p is { Where: "Tunnels:0:Uplink", Problem: ConfigPatterns.NameRule });
    }

    [Fact]
    public void Without_a_configured_ladder_the_default_one_is_fitted_to_the_endpoint()
    {
        var reader = new SettingsReader();

        var withoutEndpoint = ReadTunnel(reader, Tunnel());
        var named = ReadTunnel(reader, Tunnel(""", "EndpointHost": "gw.example.net:51820" """));

        Assert.Empty(reader.Problems);
        Assert.Equal([RepairRung.ResetPeer, RepairRung.RestartInterface], withoutEndpoint!.Ladder);
        Assert.Equal(RepairLadder.Default, named!.Ladder);
        Assert.Equal("gw.example.net:51820", named.Repair.EndpointHost);
    }

    [Fact]
    public void A_configured_ladder_is_kept_as_it_is_even_where_reresolve_cannot_act()
    {
        var reader = new SettingsReader();

        var tunnel = ReadTunnel(reader, Tunnel(""", "Repair": [ "reresolve-endpoint", "reset-peer" ] """));

        Assert.Equal([RepairRung.ReresolveEndpoint, RepairRung.ResetPeer], tunnel!.Ladder);
    }

    [Fact]
    public void A_tunnel_with_a_problem_is_not_returned_and_every_problem_is_at_its_key_path()
    {
        var reader = new SettingsReader();

        var tunnel = ReadTunnel(reader, """
            { "Name": "site a", "Interface": "wg0", "Site": "a b", "EndpointHost": "gw", "Standby": "n1", "Primary": "n2", "Colour": "blue" }
            """, checkFiles: false);

        Assert.Null(tunnel);
        Assert.Equal(["Tunnels:0:Colour", "Tunnels:0:EndpointHost", "Tunnels:0:Name", "Tunnels:0:PeerPublicKey", "Tunnels:0:Primary", "Tunnels:0:Site"],
            Places(reader));
    }

    [Fact]
    public void The_wg_quick_conf_defaults_to_etc_wireguard_and_is_checked_only_with_files()
    {
        var reader = new SettingsReader();
        var json = $$"""{ "Name": "a", "Interface": "wgsuptest8", "PeerPublicKey": "{{_key}}" }""";

        var simulated = ReadTunnel(reader, json, checkFiles: false);

        Assert.Equal("/etc/wireguard/wgsuptest8.conf", simulated!.WgQuickConfig);
        Assert.Null(ReadTunnel(reader, json, checkFiles: true));
        Assert.Equal("Tunnels:0:WgQuickConfig", Single(reader).Where);
        Assert.StartsWith("/etc/wireguard/wgsuptest8.conf does not exist, and reresolve-endpoint reads the peer's Endpoint from it", Single(reader).Problem);
        Assert.Contains("reset-peer adds the peer back from it", Single(reader).Problem);
    }

    [Theory]
    [InlineData("""[ { "Rung": "command", "Command": ["/usr/local/bin/fix-tunnel", "a"] } ]""", "")]
    [InlineData("""[ { "Rung": "restart-interface", "SystemdUnit": "wg-quick@wgsuptest8.service" } ]""", "")]
    [InlineData("""[ "reresolve-endpoint", { "Rung": "command", "Command": ["/usr/local/bin/fix-tunnel"] } ]""", "\"EndpointHost\": \"site.example:51820\",")]
    public void A_tunnel_that_nothing_runs_wg_quick_for_needs_no_conf(string ladder, string extra)
    {
        var reader = new SettingsReader();
        var json = $$"""{ "Name": "a", "Interface": "wgsuptest8", "PeerPublicKey": "{{_key}}", {{extra}} "Repair": {{ladder}} }""";

        var tunnel = ReadTunnel(reader, json, checkFiles: true);

        Assert.Empty(reader.Problems);
        Assert.NotNull(tunnel);
    }

    [Theory]
    [InlineData("""[ "reset-peer" ]""", "reset-peer adds the peer back from it")]
    [InlineData("""[ "restart-interface" ]""", "restart-interface runs wg-quick with it (or set Repair:SystemdUnit)")]
    [InlineData("""[ "reresolve-endpoint" ]""", "reresolve-endpoint reads the peer's Endpoint from it (or set EndpointHost)")]
    public void A_missing_conf_that_a_rung_reads_is_a_problem_that_names_the_rung(string ladder, string reason)
    {
        var reader = new SettingsReader();
        var json = $$"""{ "Name": "a", "Interface": "wgsuptest8", "PeerPublicKey": "{{_key}}", "Repair": {{ladder}} }""";

        Assert.Null(ReadTunnel(reader, json, checkFiles: true));

        Assert.Equal(("Tunnels:0:WgQuickConfig", $"/etc/wireguard/wgsuptest8.conf does not exist, and {reason}"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void A_low_stale_threshold_of_a_tunnel_is_a_warning()
    {
        var reader = new SettingsReader();

        Assert.NotNull(ReadTunnel(reader, Tunnel(""", "StaleAfterSeconds": 60 """)));

        Assert.Empty(reader.Problems);
        Assert.StartsWith("Tunnels:0:StaleAfterSeconds: below 135 s", Assert.Single(reader.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void The_discovery_template_is_the_defaults_with_the_ladder_left_for_the_fleet_to_fit()
    {
        var reader = new SettingsReader();
        var defaults = TunnelSection.ReadDefaults(reader, Json("""{ "VerifyTimeoutSeconds": 30 }"""));

        var template = TunnelSection.DiscoveryTemplate(defaults);

        Assert.True(template.Discovered);
        Assert.Equal(("discovered", "wg0", "/etc/wireguard/wg0.conf"), (template.Name, template.Interface, template.WgQuickConfig));
        Assert.Equal(TimeSpan.FromSeconds(30), template.VerifyTimeout);
        Assert.Equal(RepairLadder.Default, template.Ladder);
    }

    [Fact]
    public void The_list_refuses_duplicate_names_and_peers_and_standbys_without_a_cluster()
    {
        var reader = new SettingsReader();
        var list = $$"""
            { "Tunnels": [ {{Tunnel()}}, {{Tunnel()}},
              { "Name": "b", "Interface": "wg1", "PeerPublicKey": "{{TestKeys.Random()}}", "WgQuickConfig": "{{Conf("wg1")}}", "Standby": "gw2" } ] }
            """;

        var tunnels = TunnelSection.ReadTunnels(reader, Json(list).GetSection("Tunnels"), TunnelSection.Baseline, checkFiles: true, clusterEnabled: false);

        Assert.Equal(3, tunnels.Count);
        Assert.Equal(["Tunnels", "Tunnels:1:Name", "Tunnels:2:Standby"], Places(reader));
    }

    [Fact]
    public void An_empty_list_is_a_warning_not_a_problem()
    {
        var reader = new SettingsReader();

        Assert.Empty(TunnelSection.ReadTunnels(reader, Json("{}").GetSection("Tunnels"), TunnelSection.Baseline, checkFiles: true, clusterEnabled: false));

        Assert.Empty(reader.Problems);
        Assert.StartsWith("Tunnels:", Assert.Single(reader.Warnings), StringComparison.Ordinal);
    }
}
