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

    [Fact]
    public void The_confirming_burst_defaults_to_six_probes_and_half_a_second()
    {
        var reader = new SettingsReader();

        var probe = Read(reader, """{ "Address": "10.0.0.1" }""");

        Assert.Equal((6, TimeSpan.FromSeconds(0.5)), (probe!.ConfirmProbes, probe.ConfirmWait));
        Assert.Equal((ProbeSettings.DefaultConfirmProbes, ProbeSettings.DefaultConfirmWait), (probe.ConfirmProbes, probe.ConfirmWait));
    }

    [Theory]
    [InlineData(0, 0.05)]
    [InlineData(20, 10)]
    [InlineData(3, 1.5)]
    public void The_confirming_burst_is_read_within_its_bounds(int count, double waitSeconds)
    {
        var reader = new SettingsReader();

        var probe = Read(reader, $$"""{ "Address": "10.0.0.1", "ConfirmProbes": {{count}}, "ConfirmWaitSeconds": {{waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""");

        Assert.Empty(reader.Problems);
        Assert.Equal((count, TimeSpan.FromSeconds(waitSeconds)), (probe!.ConfirmProbes, probe.ConfirmWait));
    }

    [Fact]
    public void Both_burst_mistakes_come_out_at_once_with_their_keys()
    {
        var reader = new SettingsReader();

        Assert.Null(Read(reader, """{ "Address": "10.0.0.1", "ConfirmProbes": 21, "ConfirmWaitSeconds": 0.01 }"""));
        Assert.Equal(["Tunnels:0:Probe:ConfirmProbes", "Tunnels:0:Probe:ConfirmWaitSeconds"], Places(reader));
    }

    [Theory]
    [InlineData("""{ "Kind": "tcp", "Address": "10.0.0.1" }""", "Tunnels:0:Probe:Port", "a tcp probe needs a Port")]
    [InlineData("""{ "Address": "10.0.0.1", "ConfirmProbes": -1 }""", "Tunnels:0:Probe:ConfirmProbes", "must be between 0 and 20")]
    [InlineData("""{ "Address": "10.0.0.1", "ConfirmProbes": "six" }""", "Tunnels:0:Probe:ConfirmProbes", "'six' is not a whole number")]
    [InlineData("""{ "Address": "10.0.0.1", "ConfirmWaitSeconds": 11 }""", "Tunnels:0:Probe:ConfirmWaitSeconds", "must be at most 10 seconds")]
    [InlineData("""{ "Address": "10.0.0.1", "ConfirmWaitSeconds": 0 }""", "Tunnels:0:Probe:ConfirmWaitSeconds", "must be at least 0.05")]
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
