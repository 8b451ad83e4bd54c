using CsiDriver.Http;

namespace CsiDriver.Tests.Http;

public sealed class RetryPolicyTests
{
    private static RetryPolicy Policy(RetrySettings settings, double random = 0.5) => new(settings, TimeProvider.System, () => random);

    private static RetrySettings Settings(Jitter jitter = Jitter.None) => new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromMilliseconds(300),
        Jitter = jitter,
        MaxRetryAfter = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void NextDelay_NoHint_DoublesUpToMaxThenStopsAtMaxAttempts()
    {
        var policy = Policy(Settings());

        Enumerable.Range(1, 4).Select(a => policy.NextDelay(a, retryAfter: null)).Should().Equal(
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300), null);
    }

    [Theory]
    [InlineData("Full", 0.25, 50)]
    [InlineData("Half", 0.25, 150)]
    [InlineData("None", 0.25, 200)]
    public void NextDelay_Jitter_ScalesTheBackoff(string jitter, double random, int expectedMs)
    {
        Policy(Settings(Enum.Parse<Jitter>(jitter)), random).NextDelay(2, retryAfter: null).Should().Be(TimeSpan.FromMilliseconds(expectedMs));
    }

    [Fact]
    public void NextDelay_RetryAfter_ReplacesBackoffCutToMaxOrGivesUpWhenAsked()
    {
        Policy(Settings()).NextDelay(1, TimeSpan.FromSeconds(1)).Should().Be(TimeSpan.FromSeconds(1));
        Policy(Settings()).NextDelay(1, TimeSpan.FromSeconds(9)).Should().Be(TimeSpan.FromSeconds(2));
        Policy(Settings() with { GiveUpBeyondMaxRetryAfter = true }).NextDelay(1, TimeSpan.FromSeconds(9)).Should().BeNull();
        Policy(Settings() with { RetryAfterIsMinimum = true }).NextDelay(2, TimeSpan.FromMilliseconds(10)).Should().Be(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void RetryAfter_DateInThePast_IsZeroAndAbsentIsNull()
    {
        var policy = Policy(Settings());
        using var response = new HttpResponseMessage();

        policy.RetryAfter(response.Headers).Should().BeNull();
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-1));
        policy.RetryAfter(response.Headers).Should().Be(TimeSpan.Zero);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        policy.RetryAfter(response.Headers).Should().Be(TimeSpan.FromSeconds(7));
    }
}
