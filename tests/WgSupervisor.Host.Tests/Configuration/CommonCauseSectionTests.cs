using WgSupervisor.Domain.Fleet;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The CommonCause section: when tunnels stale together are held as one cause instead of repaired.</summary>
public sealed class CommonCauseSectionTests
{
    private static CommonCausePolicy Read(SettingsReader reader, string json) =>
        CommonCauseSection.Read(reader, Json($$"""{ "CommonCause": {{json}} }""").GetSection(CommonCauseSection.Name));

    [Fact]
    public void Without_the_section_the_hold_is_on_with_the_default_window_fraction_and_minimum()
    {
        var reader = new SettingsReader();

        var policy = CommonCauseSection.Read(reader, Json("{}").GetSection(CommonCauseSection.Name));

        Assert.Equal(new CommonCausePolicy(true, TimeSpan.FromSeconds(10), 0.75, 3, TimeSpan.FromSeconds(1.5), PingEndpoints: true), policy);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var reader = new SettingsReader();

        var policy = Read(reader, """{ "Enabled": false, "WindowSeconds": 30, "Fraction": 1, "MinTunnels": 2, "SettleSeconds": 3, "PingEndpoints": false }""");

        Assert.Equal(new CommonCausePolicy(false, TimeSpan.FromSeconds(30), 1.0, 2, TimeSpan.FromSeconds(3), PingEndpoints: false), policy);
        Assert.Empty(reader.Problems);
    }

    [Theory]
    [InlineData("""{ "WindowSeconds": 0 }""", "CommonCause:WindowSeconds", "must be at least 0.1")]
    [InlineData("""{ "Fraction": 0 }""", "CommonCause:Fraction", "must be above 0 and at most 1")]
    [InlineData("""{ "Fraction": 1.5 }""", "CommonCause:Fraction", "must be above 0 and at most 1")]
    [InlineData("""{ "Fraction": -0.5 }""", "CommonCause:Fraction", "must be above 0 and at most 1")]
    [InlineData("""{ "Fraction": "most" }""", "CommonCause:Fraction", "'most' is not a number")]
    [InlineData("""{ "MinTunnels": 1 }""", "CommonCause:MinTunnels", "must be between 2 and 100000")]
    [InlineData("""{ "Enabled": "yes" }""", "CommonCause:Enabled", "'yes' is not true or false")]
    [InlineData("""{ "PingEndpoints": "sometimes" }""", "CommonCause:PingEndpoints", "'sometimes' is not true or false")]
    [InlineData("""{ "Window": 10 }""", "CommonCause:Window", "unknown key (known here: Enabled, WindowSeconds, Fraction, MinTunnels, SettleSeconds, PingEndpoints)")]
    public void A_mistake_is_reported_once_at_its_key(string json, string where, string problem)
    {
        var reader = new SettingsReader();

        Read(reader, json);

        Assert.Equal((where, problem), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void Every_mistake_comes_out_at_once()
    {
        var reader = new SettingsReader();

        Read(reader, """{ "Enabled": 2, "WindowSeconds": -1, "Fraction": 2, "MinTunnels": 0 }""");

        Assert.Equal(["CommonCause:Enabled", "CommonCause:Fraction", "CommonCause:MinTunnels", "CommonCause:WindowSeconds"], Places(reader));
    }
}
