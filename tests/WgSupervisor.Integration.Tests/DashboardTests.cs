using System.Net;
using OpenQA.Selenium;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The dashboard in real headless Chromium against the supervisor as a real process on real wireguard-go
/// tunnels: the table follows a repair live (no reload), and an operator's restart sent from the page,
/// with the admin token typed into it, reaches the tunnel's actor.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class DashboardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private const string ScreenshotName = "wgsupervisor-dashboard.png";

    /// <summary>Records every state a row shows, so that a short stale/restarting spell between two polls of the test is not missed.</summary>
    private const string RecordStates = """
        window.__dashboardTest = { seen: [] };
        new MutationObserver((mutations) => {
          for (const m of mutations) window.__dashboardTest.seen.push(`${m.target.dataset.tunnel}:${m.target.dataset.state}`);
        }).observe(document.getElementById('tunnel-rows'), { subtree: true, attributes: true, attributeFilter: ['data-state'] });
        """;

    [SkippableFact]
    public async Task The_dashboard_follows_a_repair_live_and_sends_an_operator_restart_with_the_admin_token()
    {
        Prerequisites.RequireWireGuardLab();
        HeadlessChromium.Require();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 5));
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath,
                staleAfterSeconds: 150, verifyTimeoutSeconds: 10, ladder: ["restart-interface"])));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", Limit);
            await supervisor.WaitForStateAsync("site2", "healthy", Limit);
            await AssertPageIsServedStrictlyAsync(supervisor);

            var browser = HeadlessChromium.Start();
            try
            {
                await RunScenarioAsync(lab, supervisor, browser);
            }
            catch
            {
                output.WriteLine($"screenshot of the failure: {browser.SaveScreenshot(Path.Combine(Path.GetTempPath(), "wgsupervisor-dashboard-failure.png"))}");
                output.WriteLine(string.Join('\n', browser.ConsoleMessages()));
                throw;
            }
            finally
            {
                browser.Dispose();
            }
            Assert.Empty(browser.Leftovers());
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private async Task RunScenarioAsync(WireGuardLab lab, SupervisorProcess supervisor, HeadlessChromium browser)
    {
        var page = new DashboardPage(browser, supervisor);
        browser.Driver.Navigate().GoToUrl(supervisor.BaseUrl);
        await page.WaitForAsync("both tunnels listed as healthy, the stream live", () =>
            page.RowState("site1") == "healthy" && page.RowState("site2") == "healthy" && page.Connection == "live");
        browser.Script(RecordStates);

        // A real fault: site1's gateway-side wireguard-go dies; the row must go through the episode without a reload.
        await lab.KillGatewayProcessAsync(lab.Sites[0]);
        await page.WaitForAsync("site1's row turns stale or restarting", () =>
            page.SeenStates().Any(s => s is "site1:stale" or "site1:restarting"));
        await page.WaitForAsync("site1's row is healthy again after its repair", () =>
            page.RowState("site1") == "healthy" && page.SeenStates().LastOrDefault(s => s.StartsWith("site1:", StringComparison.Ordinal)) == "site1:healthy");
        Assert.True(page.NotReloaded, "the page was not reloaded (its test hook is still there)");
        Assert.Contains("restart-interface", page.Cell("site1", "repair"));
        Assert.Equal("1", page.Cell("site1", "restarts"));

        // The detail panel of site2, then its Restart button: first with a wrong token (401 shown, nothing sent to the actor)...
        browser.Driver.FindElement(By.CssSelector("tr[data-tunnel='site2']")).Click();
        await page.WaitForAsync("the detail panel of site2", () => page.Is("#detail[data-tunnel='site2']:not([hidden])"));
        await page.ClickRestartAndAnswerTokenAsync("not-the-admin-token");
        await page.WaitForAsync("the 401 problem shown", () => page.ActionOutcome == "error");
        Assert.Contains("401", page.ActionMessage);
        Assert.Contains("admin token", page.ActionMessage);
        Assert.DoesNotContain(await supervisor.EventsAsync("site2"), e => e!["type"]!.GetValue<string>() == "repair-started");

        // ...then with the right one: accepted, and the restart reaches the tunnel's actor through the fleet.
        await page.ClickRestartAndAnswerTokenAsync(SupervisorProcess.AdminToken);
        await page.WaitForAsync("the restart accepted", () => page.ActionOutcome == "accepted");
        await supervisor.WaitUntilAsync("site2 has a repair started by the admin API", Limit, async () =>
            (await supervisor.EventsAsync("site2")).Any(e => e!["type"]!.GetValue<string>() == "repair-started" &&
                                                             e["requestedBy"]!.GetValue<string>().Contains("admin API", StringComparison.Ordinal)));

        await page.WaitForAsync("site2 healthy again, its timeline and chart showing the repair", () =>
            page.RowState("site2") == "healthy" &&
            page.Is("#timeline li[data-type='repair-started']") && page.Is("#timeline li[data-type='repair-finished']") &&
            page.Is("#chart svg path.age") && page.Is("#chart svg line[data-type='repair-started']"));
        Assert.Contains("admin API", page.Text("#timeline li[data-type='repair-started']"));
        Assert.True(page.NotReloaded, "the page was not reloaded");

        var problems = browser.ConsoleMessages()
            .Where(m => m.StartsWith("Severe", StringComparison.OrdinalIgnoreCase) || m.Contains("Content Security Policy", StringComparison.Ordinal))
            .Where(m => !m.Contains("status of 401", StringComparison.Ordinal)) // the wrong token, on purpose
            .ToList();
        Assert.True(problems.Count == 0, $"the page logged errors:\n{string.Join('\n', problems)}");

        SaveScreenshot(browser);
    }

    /// <summary>The page and its assets: right content types, a strict CSP, and a problem for an unknown asset.</summary>
    private static async Task AssertPageIsServedStrictlyAsync(SupervisorProcess supervisor)
    {
        using var index = await supervisor.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', index.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        foreach (var (path, type) in new[] { ("/dashboard/dashboard.js", "text/javascript"), ("/dashboard/dashboard.css", "text/css") })
        {
            using var asset = await supervisor.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(type, asset.Content.Headers.ContentType?.MediaType);
        }
        using var missing = await supervisor.Http.GetAsync("/dashboard/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Saves the screenshot under the temp directory; with UPDATE_DASHBOARD_SCREENSHOT=1 also as docs/dashboard.png of the repository.</summary>
    private void SaveScreenshot(HeadlessChromium browser)
    {
        var path = browser.SaveScreenshot(Path.Combine(Path.GetTempPath(), ScreenshotName));
        output.WriteLine($"dashboard screenshot: {path}");
        Console.WriteLine($"dashboard screenshot: {path}");
        if (Environment.GetEnvironmentVariable("UPDATE_DASHBOARD_SCREENSHOT") != "1") return;
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "WgSupervisor.sln"))) repository = repository.Parent;
        if (repository is null) throw new InvalidOperationException("cannot find WgSupervisor.sln above the test directory");
        var docs = Path.Combine(repository.FullName, "docs", "dashboard.png");
        File.Copy(path, docs, overwrite: true);
        output.WriteLine($"copied to {docs}");
    }

    /// <summary>What the test reads and does on the page, through the page's stable ids and data attributes.</summary>
    private sealed class DashboardPage(HeadlessChromium browser, SupervisorProcess supervisor)
    {
        public string? Connection => Read("return document.getElementById('connection').dataset.connection;");
        public string? ActionOutcome => Read("return document.getElementById('action-message').dataset.outcome ?? null;");
        public string ActionMessage => Read("return document.getElementById('action-message').textContent;") ?? "";
        public bool NotReloaded => browser.Script("return window.__dashboardTest !== undefined;") is true;

        public string? RowState(string tunnel) =>
            Read("return document.querySelector(`tr[data-tunnel='${arguments[0]}']`)?.dataset.state ?? null;", tunnel);

        public string Cell(string tunnel, string field) =>
            Read("return document.querySelector(`tr[data-tunnel='${arguments[0]}'] td[data-field='${arguments[1]}']`)?.textContent ?? '';", tunnel, field) ?? "";

        public bool Is(string selector) => browser.Script("return document.querySelector(arguments[0]) !== null;", selector) is true;

        public string Text(string selector) => Read("return document.querySelector(arguments[0])?.textContent ?? '';", selector) ?? "";

        public IReadOnlyList<string> SeenStates() =>
            browser.Script("return window.__dashboardTest?.seen ?? [];") is IEnumerable<object> seen ? seen.Select(s => s.ToString()!).ToList() : [];

        /// <summary>Clicks Restart in the detail panel and types the token into the page's token dialog.</summary>
        public async Task ClickRestartAndAnswerTokenAsync(string token)
        {
            browser.Driver.FindElement(By.CssSelector("#detail button[data-action='restart']")).Click();
            await WaitForAsync("the token dialog", () => browser.Script("return document.getElementById('token-dialog').open;") is true);
            var input = browser.Driver.FindElement(By.Id("token-input"));
            input.SendKeys(token);
            browser.Driver.FindElement(By.Id("token-submit")).Click();
            await WaitForAsync("the token dialog closed", () => browser.Script("return document.getElementById('token-dialog').open;") is false);
        }

        /// <summary>Bounded polling of the DOM; on time-out the message shows what the page showed.</summary>
        public async Task WaitForAsync(string what, Func<bool> condition)
        {
            try
            {
                await supervisor.WaitUntilAsync(what, Limit, () => Task.FromResult(condition()));
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException($"{timeout.Message}\n--- page ---\n{Describe()}", timeout);
            }
        }

        private string Describe() => Read("""
            return [...document.querySelectorAll('#tunnel-rows tr')].map(r => `${r.dataset.tunnel}: ${r.dataset.state}`).join('\n') +
              `\nconnection: ${document.getElementById('connection').dataset.connection}` +
              `\naction: ${document.getElementById('action-message').textContent}` +
              `\nseen: ${(window.__dashboardTest?.seen ?? []).join(', ')}` +
              `\ntimeline: ${[...document.querySelectorAll('#timeline li')].map(li => li.dataset.type).join(', ')}`;
            """) ?? "";

        private string? Read(string script, params object[] arguments) => browser.Script(script, arguments) as string;
    }
}
