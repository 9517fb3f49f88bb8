using Microsoft.Extensions.Logging;
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

    [Fact]
    public async Task At_start_every_certificate_gets_its_expiry_metric_and_those_ending_soon_a_warning()
    {
        var now = DateTimeOffset.UtcNow;
        using var remoting = _pki.Certificate("gw-1", TimeSpan.FromDays(400), now);
        using var admin = _pki.Certificate("gw-1-admin", TimeSpan.FromDays(10), now);
        var log = new RecordingLogger();
        using var monitor = new CertificateExpiryMonitor(
            [new MonitoredCertificate("remoting", remoting), new MonitoredCertificate("admin", admin)], new NodeIdentity("expiry-test"), log,
            TimeProvider.System);

        await monitor.StartAsync(CancellationToken.None);
        await monitor.StopAsync(CancellationToken.None);

        Assert.Equal(new DateTimeOffset(remoting.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            CertificateExpiryMonitor.Expiry.WithLabels("expiry-test", "remoting").Value);
        Assert.Equal(new DateTimeOffset(admin.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            CertificateExpiryMonitor.Expiry.WithLabels("expiry-test", "admin").Value);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("The admin TLS certificate CN=gw-1-admin", warning);
    }

    public void Dispose() => _pki.Dispose();

    private sealed class RecordingLogger : ILogger<CertificateExpiryMonitor>
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get { lock (_warnings) return _warnings.ToList(); }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning) lock (_warnings) _warnings.Add(formatter(state, exception));
        }
    }
}
