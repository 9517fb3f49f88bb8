using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using WgSupervisor.Host.Admin;
using WgSupervisor.Host.Configuration;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>
/// Who may do what on the admin endpoint (AdminAccess): tokens as Bearer or Basic, the read token for reads only, open
/// reads on loopback, 401/403/429 with their headers, failures counted per client address and logged without the token.
/// </summary>
public sealed class AdminSecurityTests
{
    private const string AdminSecret = "admin-token-0123456789abcdef";
    private const string ReadSecret = "read-token-0123456789abcdef";
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly Uri Reachable = new("http://0.0.0.0:5080");
    private static readonly Uri Loopback = new("http://127.0.0.1:5080");

    private readonly RecordingLogger _log = new();

    private AdminAccess Access(Uri url, int limit = 20) =>
        new(AdminToken.Of(AdminSecret), AdminToken.Of(ReadSecret), url, new AuthFailureLimiter(new AuthFailureBudget(limit, TimeSpan.FromMinutes(1)), _log));

    private static DefaultHttpContext Request(string method, string path, string? authorization = null, IPAddress? from = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = from ?? Client;
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        return http;
    }

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static int? Status(IResult? result) => result is null ? null : Assert.IsType<ProblemHttpResult>(result).StatusCode;

    [Fact]
    public void Off_loopback_reads_need_a_token_and_the_read_token_may_read_but_not_change()
    {
        var access = Access(Reachable);

        Assert.Equal(401, Status(access.Authorize(Request("GET", "/api/tunnels"), needsAdmin: false)));
        Assert.Null(access.Authorize(Request("GET", "/api/tunnels", $"Bearer {ReadSecret}"), needsAdmin: false));
        Assert.Null(access.Authorize(Request("GET", "/metrics", $"Bearer {AdminSecret}"), needsAdmin: false));
        Assert.Equal(403, Status(access.Authorize(Request("POST", "/api/tunnels/a/pause", $"Bearer {ReadSecret}"), needsAdmin: true)));
        Assert.Null(access.Authorize(Request("POST", "/api/tunnels/a/pause", $"Bearer {AdminSecret}"), needsAdmin: true));
        Assert.False(access.LoopbackOnly);
    }

    [Fact]
    public void On_loopback_mutations_still_need_the_admin_token_with_the_message_wgsup_users_know()
    {
        var access = Access(Loopback);

        var refusal = Assert.IsType<ProblemHttpResult>(access.Authorize(Request("POST", "/api/tunnels/a/restart"), needsAdmin: true));

        Assert.True(access.LoopbackOnly);
        Assert.Equal(401, refusal.StatusCode);
        Assert.Equal("this route changes the supervisor: send the admin token as 'Authorization: Bearer TOKEN'", refusal.ProblemDetails.Detail);
        Assert.Equal("Authorization", refusal.ProblemDetails.Extensions["parameter"]);
    }

    [Fact]
    public void A_token_may_come_as_the_password_of_basic_authentication_with_any_user_name()
    {
        var access = Access(Reachable);

        Assert.Null(access.Authorize(Request("GET", "/", Basic("anyone", ReadSecret)), needsAdmin: false));
        Assert.Null(access.Authorize(Request("POST", "/api/sites/x/pause", Basic("", AdminSecret)), needsAdmin: true));
        Assert.Equal(401, Status(access.Authorize(Request("GET", "/", Basic(ReadSecret, "not-it")), needsAdmin: false)));
        Assert.Equal(401, Status(access.Authorize(Request("GET", "/api/tunnels", "Basic !!not-base64!!"), needsAdmin: false)));
    }

    [Theory]
    [InlineData("/", "Basic realm=\"wgsupervisor\", charset=\"UTF-8\"")]
    [InlineData("/dashboard/dashboard.js", "Basic realm=\"wgsupervisor\", charset=\"UTF-8\"")]
    [InlineData("/api/stream", "Bearer realm=\"wgsupervisor\"")]
    [InlineData("/metrics", "Bearer realm=\"wgsupervisor\"")]
    public void The_dashboard_asks_for_basic_so_that_the_browser_prompts_and_the_api_asks_for_bearer(string path, string challenge)
    {
        var http = Request("GET", path);

        Assert.Equal(401, Status(Access(Reachable).Authorize(http, needsAdmin: false)));
        Assert.Equal(challenge, http.Response.Headers.WWWAuthenticate.ToString());
    }

    [Theory]
    [InlineData("/healthz", true)]
    [InlineData("/readyz/", true)]
    [InlineData("/HEALTHZ", true)]
    [InlineData("/healthz-extra", false)]
    [InlineData("/api/tunnels", false)]
    [InlineData("/", false)]
    public void Only_liveness_and_readiness_are_open_to_everyone(string path, bool open) =>
        Assert.Equal(open, AdminAccess.IsOpen(path));

    [Fact]
    public void Past_its_budget_an_address_gets_429_with_retry_after_even_with_the_right_token_and_others_are_not_affected()
    {
        var access = Access(Reachable, limit: 3);
        for (var attempt = 0; attempt < 3; attempt++)
            Assert.Equal(401, Status(access.Authorize(Request("GET", "/api/tunnels", "Bearer wrong-guess-" + attempt), needsAdmin: false)));

        var blocked = Request("GET", "/api/tunnels", $"Bearer {AdminSecret}");
        var refusal = Assert.IsType<ProblemHttpResult>(access.Authorize(blocked, needsAdmin: false));
        var neighbour = access.Authorize(Request("GET", "/api/tunnels", $"Bearer {ReadSecret}", IPAddress.Parse("192.0.2.11")), needsAdmin: false);

        Assert.Equal(429, refusal.StatusCode);
        var retryAfter = int.Parse(blocked.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Null(neighbour);
    }

    [Fact]
    public void Missing_tokens_and_good_tokens_do_not_use_up_the_budget()
    {
        var access = Access(Reachable, limit: 2);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            Assert.Equal(401, Status(access.Authorize(Request("GET", "/"), needsAdmin: false)));
            Assert.Null(access.Authorize(Request("GET", "/api/tunnels", $"Bearer {ReadSecret}"), needsAdmin: false));
            Assert.Equal(403, Status(access.Authorize(Request("POST", "/api/tunnels/a/pause", $"Bearer {ReadSecret}"), needsAdmin: true)));
        }

        Assert.Empty(_log.Lines);
    }

    [Fact]
    public void A_failure_is_logged_with_the_client_address_and_the_request_but_never_the_token()
    {
        var access = Access(Reachable, limit: 1);

        access.Authorize(Request("POST", "/api/tunnels/a/restart", "Bearer guess-9f8e7d6c5b4a", IPAddress.Parse("::ffff:198.51.100.7")), needsAdmin: true);

        Assert.Contains(_log.Lines, line => line.Contains("198.51.100.7") && line.Contains("POST /api/tunnels/a/restart"));
        Assert.Contains(_log.Lines, line => line.Contains("429"));
        Assert.All(_log.Lines, line => Assert.DoesNotContain("guess-9f8e7d6c5b4a", line));
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer  abc ", "abc")]
    [InlineData("Basic dXNlcjpwYXNzOndvcmQ=", "pass:word")]
    [InlineData("Basic bm9jb2xvbg==", "")]
    [InlineData("Digest username=x", null)]
    [InlineData("Bearerabc", null)]
    [InlineData("", null)]
    public void The_token_is_read_from_bearer_and_basic_headers(string header, string? token) =>
        Assert.Equal(token, AdminCredentials.PresentedToken(header));

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("::1", "::1")]
    public void Failures_count_per_ipv4_address_and_per_ipv6_64(string address, string partition) =>
        Assert.Equal(partition, AdminCredentials.ClientPartition(IPAddress.Parse(address)));

    /// <summary>Keeps every formatted log line.</summary>
    private sealed class RecordingLogger : ILogger<AuthFailureLimiter>
    {
        private readonly List<string> _lines = [];
        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception));
        }
    }
}
