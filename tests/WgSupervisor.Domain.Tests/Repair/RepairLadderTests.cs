using WgSupervisor.Domain.Repair;
using Xunit;

namespace WgSupervisor.Domain.Tests.Repair;

/// <summary>The rule of which rungs can act for a tunnel, given the endpoint re-resolve would set.</summary>
public sealed class RepairLadderTests
{
    private static readonly IReadOnlyList<RepairRung> WithoutReresolve = [RepairRung.ResetPeer, RepairRung.RestartInterface];

    [Theory]
    [InlineData("gw.example.net:51820")]
    [InlineData("site-b:51820")]
    public void An_endpoint_with_a_host_name_keeps_the_whole_ladder(string endpoint)
    {
        Assert.Equal(RepairLadder.Default, RepairLadder.ApplicableTo(RepairLadder.Default, endpoint));
    }

    [Theory]
    [InlineData("192.0.2.7:51820")]
    [InlineData("[2001:db8::1]:51820")]
    [InlineData(null)]
    [InlineData("gw.example.net")]
    public void An_address_no_endpoint_or_no_port_drops_reresolve(string? endpoint)
    {
        Assert.Equal(WithoutReresolve, RepairLadder.ApplicableTo(RepairLadder.Default, endpoint));
    }

    [Fact]
    public void Reresolve_alone_is_kept_because_an_empty_ladder_cannot_repair()
    {
        IReadOnlyList<RepairRung> only = [RepairRung.ReresolveEndpoint];

        Assert.Equal(only, RepairLadder.ApplicableTo(only, endpoint: null));
    }

    [Fact]
    public void A_ladder_without_reresolve_is_returned_as_it_is()
    {
        IReadOnlyList<RepairRung> ladder = [RepairRung.Command, RepairRung.ResetPeer];

        Assert.Same(ladder, RepairLadder.ApplicableTo(ladder, "192.0.2.7:51820"));
    }

    [Fact]
    public void Dropping_reresolve_keeps_the_order_of_the_other_rungs()
    {
        IReadOnlyList<RepairRung> ladder = [RepairRung.RestartInterface, RepairRung.ReresolveEndpoint, RepairRung.Command];

        Assert.Equal([RepairRung.RestartInterface, RepairRung.Command], RepairLadder.ApplicableTo(ladder, "10.0.0.1:51820"));
    }

    [Theory]
    [InlineData("gw.example.net:51820", "gw.example.net")]
    [InlineData("[2001:db8::1]:51820", "2001:db8::1")]
    [InlineData("192.0.2.7:51820", "192.0.2.7")]
    [InlineData("no-port", null)]
    [InlineData(null, null)]
    public void The_host_is_the_part_before_the_last_colon_without_brackets(string? endpoint, string? host)
    {
        Assert.Equal(host, RepairLadder.HostOf(endpoint));
    }
}
