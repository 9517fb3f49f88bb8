using WgSupervisor.Domain.Observation;
using WgSupervisor.WireGuard.Tests.Support;
using WgSupervisor.WireGuard.Parsing;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>`ip -o link show` as captured in a test namespace, and garbage.</summary>
public sealed class IpLinkParserTests
{
    [Fact]
    public void The_captured_output_names_lo_fxw0_and_fxa_without_the_peer_suffix()
    {
        var names = IpLinkParser.ParseNames(Fixture.Read("ip-o-link-show.txt"));

        Assert.Equal(["fxa", "fxw0", "lo"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Crlf_line_ends_and_blank_lines_are_tolerated()
    {
        var text = "\r\n1: lo: <LOOPBACK,UP> mtu 65536\r\n\r\n7: wg0@if7: <POINTOPOINT> mtu 1420\r\n";

        Assert.Equal(["lo", "wg0"], IpLinkParser.ParseNames(text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Empty_output_has_no_interfaces()
    {
        Assert.Empty(IpLinkParser.ParseNames(""));
    }

    [Theory]
    [InlineData("not an ip link line", 1)]
    [InlineData("1: lo <LOOPBACK>", 1)]
    [InlineData("x: lo: <LOOPBACK>", 1)]
    [InlineData("1: lo: <LOOPBACK>\n\nlink/none", 3)]
    [InlineData("1: lo: <LOOPBACK>\r\n99999999999: big: <UP>\r\n", 2)]
    [InlineData("\u001b[31m: lo: <UP>", 1)]
    public void Garbage_throws_a_parse_exception_naming_the_line(string output, int line)
    {
        var error = Assert.Throws<WireGuardParseException>(() => IpLinkParser.ParseNames(output));

        Assert.Equal(line, error.LineNumber);
        Assert.Equal("ip -o link show", error.InputName);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Regression of a fixed defect: a line with an empty name field is accepted and "" is returned as an interface name.</summary>
    [Theory]
    [InlineData("3: : <UP> mtu 1500")]
    [InlineData("3: @if9: <UP> mtu 1500")]
    public void A_line_without_an_interface_name_is_garbage(string output)
    {
        var error = Assert.Throws<WireGuardParseException>(() => IpLinkParser.ParseNames(output));

        Assert.Equal(1, error.LineNumber);
    }
}
