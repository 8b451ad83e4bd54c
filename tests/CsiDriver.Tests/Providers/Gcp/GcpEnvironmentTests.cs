using CsiDriver.Providers.Gcp;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Gcp;

public sealed class GcpEnvironmentTests
{
    [Fact]
    public void FromEnvironment_UnreadableCredentialFile_DoesNotThrowAndKeepsTheReasonForMounts()
    {
        using var dir = new TestDirectory();
        var path = dir.Combine("creds.json");
        File.WriteAllText(path, "{ not json");

        var options = GcpServiceCollectionExtensions.FromEnvironment(name => name == "GOOGLE_APPLICATION_CREDENTIALS" ? path : null, 1024);

        options.ExternalAccountAudience.Should().BeNull();
        options.ExternalAccountError.Should().Contain(path);
    }

    [Fact]
    public void FromEnvironment_ExternalAccountFile_AudienceRead()
    {
        using var dir = new TestDirectory();
        var path = dir.Combine("creds.json");
        File.WriteAllText(path, """{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x"}""");

        var options = GcpServiceCollectionExtensions.FromEnvironment(name => name == "GOOGLE_APPLICATION_CREDENTIALS" ? path : null, 1024);

        options.ExternalAccountAudience.Should().EndWith("/providers/x");
        options.ExternalAccountError.Should().BeNull();
    }
}
