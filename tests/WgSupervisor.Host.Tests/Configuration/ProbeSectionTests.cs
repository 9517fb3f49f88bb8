using WgSupervisor.Domain.Probing;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class ProbeSectionTests
{
    private static ProbeSettings? Read(SettingsReader reader, string json) =>
        ProbeSection.Read(Key(reader, $$"""{ "Probe": {{json}} }""", "Probe", "Tunnels:0:Probe"));

    [Fact]
    public void Without_a_probe_section_there_is_no_probe()
    {
        var reader = new SettingsReader();

        Assert.Null(Read(reader, "{}"));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void An_address_alone_is_an_icmp_probe_with_the_default_timing()
    {
        var reader = new SettingsReader();

        var probe = Read(reader, """{ "Address": "10.0.0.1" }""");

        Assert.Equal(new ProbeSettings(ProbeKind.Icmp, "10.0.0.1", null, ProbeSettings.DefaultInterval, ProbeSettings.DefaultTimeout,
            ProbeSettings.DefaultFailuresBeforeStale), probe);
    }

    [Fact]
    public void A_tcp_probe_reads_every_key()
    {
        var reader = new SettingsReader();

        var probe = Read(reader, """{ "Kind": "tcp", "Address": "fd00::1", "Port": 22, "IntervalSeconds": 5, "TimeoutSeconds": 2, "Failures": 4 }""");

        Assert.Equal(new ProbeSettings(ProbeKind.Tcp, "fd00::1", 22, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 4), probe);
        Assert.Empty(reader.Problems);
    }

    [Theory]
    [InlineData("""{ "Kind": "tcp", "Address": "10.0.0.1" }""", "Tunnels:0:Probe:Port", "a tcp probe needs a Port")]
    [InlineData("""{ "Address": "fd00::1" }""", "Tunnels:0:Probe:Address", "ICMP probes take an IPv4 address; use Kind tcp for IPv6")]
    [InlineData("""{ "Address": "gw.example.net" }""", "Tunnels:0:Probe:Address", "not an IP address")]
    [InlineData("""{ "Failures": 2 }""", "Tunnels:0:Probe:Address", "is required")]
    [InlineData("""{ "Address": "10.0.0.1", "IntervalSeconds": 2, "TimeoutSeconds": 5 }""", "Tunnels:0:Probe:TimeoutSeconds", "must not exceed IntervalSeconds")]
    public void A_mistake_is_reported_at_its_key_path_and_gives_no_probe(string json, string where, string problem)
    {
        var reader = new SettingsReader();

        Assert.Null(Read(reader, json));
        Assert.Equal((where, problem), (Single(reader).Where, Single(reader).Problem));
    }
}
