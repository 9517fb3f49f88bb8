using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

public sealed class CertificateExpiryMonitorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestPki _pki = new("cluster CA", Now.AddYears(-1));

    [Fact]
    public void A_certificate_with_more_than_30_days_left_gives_no_warning()
    {
        using var certificate = _pki.Certificate("gw-1", TimeSpan.FromDays(31), Now.AddMinutes(10));

        Assert.Null(CertificateExpiryMonitor.WarningFor(new MonitoredCertificate("remoting", certificate), Now));
    }

    [Fact]
    public void A_certificate_within_30_days_of_its_end_is_named_with_its_usage_and_the_days_left()
    {
        using var certificate = _pki.Certificate("gw-1", TimeSpan.FromDays(12), Now);

        var warning = CertificateExpiryMonitor.WarningFor(new MonitoredCertificate("admin", certificate), Now);

        Assert.NotNull(warning);
        Assert.Contains("The admin TLS certificate CN=gw-1", warning);
        Assert.Contains("in 12 day(s)", warning);
    }

    [Fact]
    public void An_expired_certificate_says_so()
    {
        using var certificate = _pki.Certificate("gw-1", TimeSpan.FromDays(5), Now.AddDays(-10));

        Assert.Contains("expired on", CertificateExpiryMonitor.WarningFor(new MonitoredCertificate("remoting", certificate), Now));
    }

    public void Dispose() => _pki.Dispose();
}
