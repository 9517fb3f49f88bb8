using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The Repair section: the ladder, and how its rungs are carried out.</summary>
public sealed class RepairSectionTests
{
    private static TunnelFields Read(SettingsReader reader, string ladder, TunnelFields? inherited = null) =>
        RepairSection.Read(Key(reader, $$"""{ "Repair": {{ladder}} }""", "Repair", "Tunnels:0:Repair"), inherited ?? TunnelSection.Baseline);

    [Fact]
    public void Without_a_ladder_the_inherited_ladder_and_options_stay()
    {
        var reader = new SettingsReader();
        var inherited = TunnelSection.Baseline with
        {
            Settings = TunnelSection.Baseline.Settings with { Ladder = [RepairRung.Command], Repair = RepairOptions.None with { SystemdUnit = "u" } },
            LadderConfigured = true,
        };

        Assert.Same(inherited, Read(reader, "[]", inherited));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Rungs_by_name_replace_the_ladder_whole_and_mark_it_configured()
    {
        var reader = new SettingsReader();

        var fields = Read(reader, """[ "restart-interface", "ResetPeer" ]""");

        Assert.Equal([RepairRung.RestartInterface, RepairRung.ResetPeer], fields.Settings.Ladder);
        Assert.True(fields.LadderConfigured);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Rungs_as_objects_say_how_they_are_carried_out()
    {
        var reader = new SettingsReader();

        var fields = Read(reader, """
            [ { "Rung": "reset-peer", "VerifyTimeoutSeconds": 5 },
              { "Rung": "restart-interface", "SystemdUnit": "wg-quick@wg0" },
              { "Rung": "command", "Command": [ "/usr/local/bin/fix", "wg0" ], "TimeoutSeconds": 30 } ]
            """);

        Assert.Empty(reader.Problems);
        var repair = fields.Settings.Repair;
        Assert.Equal([RepairRung.ResetPeer, RepairRung.RestartInterface, RepairRung.Command], fields.Settings.Ladder);
        Assert.Equal(("wg-quick@wg0", TimeSpan.FromSeconds(30)), (repair.SystemdUnit, repair.CommandTimeout));
        Assert.Equal(["/usr/local/bin/fix", "wg0"], repair.Command!);
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.Single(repair.VerifyTimeouts, t => t.Key == RepairRung.ResetPeer).Value);
    }

    [Fact]
    public void The_endpoint_host_read_before_the_ladder_is_kept()
    {
        var reader = new SettingsReader();
        var inherited = TunnelSection.Baseline with
        {
            Settings = TunnelSection.Baseline.Settings with { Repair = RepairOptions.None with { EndpointHost = "gw.example.net:51820" } },
        };

        Assert.Equal("gw.example.net:51820", Read(reader, """[ "reset-peer" ]""", inherited).Settings.Repair.EndpointHost);
    }

    [Fact]
    public void A_command_timeout_without_a_command_is_not_read()
    {
        var reader = new SettingsReader();

        var fields = Read(reader, """[ { "Rung": "reset-peer", "TimeoutSeconds": "soon" } ]""");

        Assert.Empty(reader.Problems);
        Assert.Equal(RepairOptions.None.CommandTimeout, fields.Settings.Repair.CommandTimeout);
    }

    [Theory]
    [InlineData("""[ "reset-peer", "reset-peer" ]""", "Tunnels:0:Repair:1")]
    [InlineData("""[ "reboot" ]""", "Tunnels:0:Repair:0")]
    [InlineData("""[ { "Rung": "reboot" } ]""", "Tunnels:0:Repair:0:Rung")]
    [InlineData("""[ { "VerifyTimeoutSeconds": 5 } ]""", "Tunnels:0:Repair:0:Rung")]
    [InlineData("""[ { "Rung": "command" } ]""", "Tunnels:0:Repair:0:Command")]
    [InlineData("""[ { "Rung": "command", "Command": [ "fix-it" ] } ]""", "Tunnels:0:Repair:0:Command")]
    [InlineData("""[ { "Rung": "reset-peer", "Command": [ "/bin/true" ] } ]""", "Tunnels:0:Repair:0:Command")]
    [InlineData("""[ { "Rung": "reset-peer", "SystemdUnit": "wg-quick@wg0" } ]""", "Tunnels:0:Repair:0:SystemdUnit")]
    [InlineData("""[ { "Rung": "restart-interface", "SystemdUnit": "wg quick" } ]""", "Tunnels:0:Repair:0:SystemdUnit")]
    [InlineData("""[ { "Rung": "reset-peer", "VerifyTimeoutSeconds": 0 } ]""", "Tunnels:0:Repair:0:VerifyTimeoutSeconds")]
    [InlineData("""[ { "Rung": "reset-peer", "Retries": 3 } ]""", "Tunnels:0:Repair:0:Retries")]
    public void Each_mistake_is_reported_at_its_key_path(string ladder, string where)
    {
        var reader = new SettingsReader();

        Read(reader, ladder);

        Assert.Equal(where, Single(reader).Where);
    }
}
