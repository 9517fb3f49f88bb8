using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Tunnels;

public sealed class TunnelSettingsTests
{
    private static readonly TunnelSettings ThreeRungs =
        TestTunnels.Settings(RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface);

    [Theory]
    [InlineData(-3, RepairRung.ReresolveEndpoint)]
    [InlineData(0, RepairRung.ReresolveEndpoint)]
    [InlineData(1, RepairRung.ReresolveEndpoint)]
    [InlineData(2, RepairRung.ResetPeer)]
    [InlineData(3, RepairRung.RestartInterface)]
    [InlineData(4, RepairRung.RestartInterface)]
    [InlineData(int.MaxValue, RepairRung.RestartInterface)]
    public void The_nth_attempt_takes_the_nth_rung_and_the_top_rung_repeats(int attempt, RepairRung expected)
    {
        Assert.Equal(expected, ThreeRungs.RungForAttempt(attempt));
    }

    [Fact]
    public void A_rung_s_own_verify_timeout_wins()
    {
        var settings = ThreeRungs with
        {
            VerifyTimeout = TimeSpan.FromSeconds(20),
            Repair = RepairOptions.None with
            {
                VerifyTimeouts = new Dictionary<RepairRung, TimeSpan> { [RepairRung.ResetPeer] = TimeSpan.FromSeconds(9) },
            },
        };

        Assert.Equal(TimeSpan.FromSeconds(9), settings.VerifyTimeoutFor(RepairRung.ResetPeer));
    }

    [Fact]
    public void Interface_wide_rungs_get_the_tunnel_s_verify_timeout_and_peer_rungs_at_most_three_seconds()
    {
        var settings = ThreeRungs with { VerifyTimeout = TimeSpan.FromSeconds(20) };
        var impatient = ThreeRungs with { VerifyTimeout = TimeSpan.FromSeconds(2) };

        Assert.Equal(TimeSpan.FromSeconds(20), settings.VerifyTimeoutFor(RepairRung.RestartInterface));
        Assert.Equal(TimeSpan.FromSeconds(20), settings.VerifyTimeoutFor(RepairRung.Command));
        Assert.Equal(TimeSpan.FromSeconds(3), settings.VerifyTimeoutFor(RepairRung.ResetPeer));
        Assert.Equal(TimeSpan.FromSeconds(3), settings.VerifyTimeoutFor(RepairRung.ReresolveEndpoint));
        Assert.Equal(TimeSpan.FromSeconds(2), impatient.VerifyTimeoutFor(RepairRung.ResetPeer));
    }

    [Fact]
    public void The_key_names_namespace_interface_and_peer()
    {
        var inHost = ThreeRungs.Key;
        var inNamespace = (ThreeRungs with { Namespace = "site-b" }).Key;

        Assert.Equal("-/wg0", inHost.InterfaceKey);
        Assert.Equal("site-b/wg0", inNamespace.InterfaceKey);
        Assert.Equal($"site-b/wg0/{ThreeRungs.PeerPublicKey}", inNamespace.ToString());
        Assert.NotEqual(inHost, inNamespace);
    }

    [Fact]
    public void Rungs_have_stable_wire_names_that_parse_back()
    {
        foreach (var rung in Enum.GetValues<RepairRung>())
        {
            Assert.True(RepairRungs.TryParse(rung.ToWireName(), out var parsed));
            Assert.Equal(rung, parsed);
            Assert.True(RepairRungs.TryParse(rung.ToString().ToUpperInvariant(), out parsed));
            Assert.Equal(rung, parsed);
        }
        Assert.Equal(["reresolve-endpoint", "reset-peer", "restart-interface", "command"], Enum.GetValues<RepairRung>().Select(r => r.ToWireName()));
        Assert.False(RepairRungs.TryParse("reboot", out _));
        Assert.Equal([RepairRung.RestartInterface, RepairRung.Command], Enum.GetValues<RepairRung>().Where(r => r.IsInterfaceWide()));
    }
}
