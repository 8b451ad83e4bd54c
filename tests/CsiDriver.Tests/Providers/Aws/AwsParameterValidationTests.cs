using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Aws;

public sealed class AwsParameterValidationTests
{
    private static readonly string[] OneRegion = ["us-east-1"];
    private static readonly string[] TwoRegions = ["us-east-1", "us-west-2"];

    private static SecretStoreException Invalid(string message) => new(FailureKind.InvalidConfiguration, message);

    private static List<AwsObject> Parse(string yaml, string? translate = "_", string[]? regions = null) =>
        AwsObjectParser.Parse(yaml, translate, regions ?? OneRegion, Invalid);

    [Theory]
    [InlineData("- {objectType: secretsmanager}", "Object name must be specified")]
    [InlineData("- {objectName: a}", "Must use objectType when a full ARN is not specified: a")]
    [InlineData("- {objectName: a, objectType: ssm}", "Invalid objectType: ssm")]
    [InlineData("- {objectName: a, objectType: vault}", "Invalid objectType: vault")]
    [InlineData("- {objectName: 'arn:aws:secretsmanager'}", "Invalid ARN format in object name: arn:aws:secretsmanager")]
    [InlineData("- {objectName: 'arn:aws:secretsmanager:eu-west-1:1:secret:a'}", "ARN region must match region us-east-1: arn:aws:secretsmanager:eu-west-1:1:secret:a")]
    [InlineData("- {objectName: 'arn:aws:s3:us-east-1:1:bucket'}", "Invalid service in ARN: s3")]
    [InlineData("- {objectName: 'arn:aws:ssm:us-east-1:1:parameter/a', objectType: secretsmanager}", "objectType does not match ARN: arn:aws:ssm:us-east-1:1:parameter/a")]
    [InlineData("- {objectName: a, objectType: ssmparameter, objectVersion: '1', objectVersionLabel: x}", "ssm parameters can not specify both objectVersion and objectVersionLabel: a")]
    [InlineData("- {objectName: a, objectType: secretsmanager, jmesPath: [{objectAlias: x}]}", "Path must be specified for JMES object")]
    [InlineData("- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x}]}", "Object alias must be specified for JMES object")]
    [InlineData("- {objectName: a, objectType: secretsmanager, jmesPath: [{path: 'a[', objectAlias: x}]}", "Invalid JMES Path: a[.")]
    [InlineData("- {objectName: a, objectType: secretsmanager, failoverObject: {objectName: b}}", "object alias must be specified for objects with failover entries: a")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectAlias: z, failoverObject: {objectName: b}}", "failover object allowed only when failover region is defined: a")]
    [InlineData("- {objectName: a, objectType: secretsmanager}\n- {objectName: a, objectType: secretsmanager}", "found descriptor with duplicate object name a, no object alias, and no version label")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectAlias: x}\n- {objectName: a, objectType: secretsmanager, objectAlias: x}", "found descriptor with duplicate object name a, duplicate object alias x, and no version label")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectVersionLabel: l}\n- {objectName: a, objectType: secretsmanager, objectVersionLabel: l}", "found descriptor with duplicate object name a, no object alias, and duplicate version label l")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: l}\n- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: l}", "found descriptor with duplicate object name a, duplicate object alias x, and duplicate version label l")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectAlias: x}\n- {objectName: b, objectType: secretsmanager, objectAlias: x}", "found duplicate object alias x")]
    [InlineData("- {objectName: a, objectType: secretsmanager, objectAlias: x, jmesPath: [{path: k, objectAlias: x}]}", "Name already in use for objectAlias: found duplicate object alias x in JMES path entry k")]
    [InlineData("- {objectName: a, objectType: secretsmanager, filePermission: 0600}", "Invalid file permission 384 for object a")]
    [InlineData("- {objectName: a, objectType: secretsmanager, filePermission: '600'}", "Invalid file permission 600 for object a")]
    [InlineData("- {objectName: a, objectType: secretsmanager, filePermission: '4755'}", "only permission bits")]
    [InlineData("- objectName: [a, b]", "objects has a value of the wrong type at $[0].objectName")]
    [InlineData("- {objectName: a", "Failed to load SecretProviderClass: objects is not valid YAML")]
    [InlineData("objectName: a", "objects has a value of the wrong type at $")]
    [InlineData("-\n- {objectName: a, objectType: secretsmanager}", "Object name must be specified")]
    public void Parse_InvalidObjects_UpstreamErrorText(string yaml, string expected)
    {
        var act = () => Parse(yaml);

        act.Should().Throw<SecretStoreException>().Which.Message.Should().Contain(expected);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../x")]
    [InlineData("a/..")]
    public void Parse_DotDotWithoutTranslation_Rejected(string alias)
    {
        var act = () => Parse($"- {{objectName: a, objectType: secretsmanager, objectAlias: '{alias}'}}", translate: null);

        act.Should().Throw<SecretStoreException>().WithMessage("path can not contain ../: a");
    }

    [Fact]
    public void Parse_DotDotWithTranslation_FlattenedAsUpstream()
    {
        Parse("- {objectName: a, objectType: secretsmanager, objectAlias: '../etc/passwd'}").Single().FileName.Should().Be(".._etc_passwd");
    }

    [Fact]
    public void Parse_FailoverVersionsDiffer_Rejected()
    {
        var act = () => Parse("""
            - objectName: a
              objectType: secretsmanager
              objectAlias: x
              objectVersion: v1
              failoverObject: {objectName: b, objectVersion: v2}
            """, regions: TwoRegions);

        act.Should().Throw<SecretStoreException>().WithMessage("object versions must match between primary and failover regions: a");
    }

    [Fact]
    public void Parse_FailoverArnInWrongRegion_Rejected()
    {
        var act = () => Parse("""
            - objectName: a
              objectType: secretsmanager
              objectAlias: x
              failoverObject: {objectName: 'arn:aws:secretsmanager:us-east-1:1:secret:b'}
            """, regions: TwoRegions);

        act.Should().Throw<SecretStoreException>().WithMessage("ARN region must match region us-west-2: arn:aws:secretsmanager:us-east-1:1:secret:b");
    }

    [Fact]
    public void Parse_FieldNamesAnyCase_AsSigsK8sYaml()
    {
        var objects = Parse("""
            - OBJECTNAME: a/b
              objecttype: secretsmanager
              ObjectAlias: alias/one
              objectversionlabel: AWSPREVIOUS
              FilePermission: "0440"
              JMESPATH: [{PATH: k, OBJECTALIAS: key}]
              unknownField: ignored
            """);

        var item = objects.Single();
        item.Name.Should().Be("a/b");
        item.Kind.Should().Be(AwsObjectKind.SecretsManager);
        item.FileName.Should().Be("alias_one");
        item.LabelIn(false).Should().Be("AWSPREVIOUS");
        item.Mode.Should().Be((UnixFileMode)0x120);
        item.JmesFiles.Single().FileName.Should().Be("key");
    }

    [Fact]
    public void Parse_UnquotedNumbersAsStrings_AsGoEncodingJson()
    {
        var item = Parse("- {objectName: p, objectType: ssmparameter, objectVersion: 3}").Single();

        item.VersionIn(false).Should().Be("3");
    }

    [Theory]
    [InlineData("/app/db", "_", "_app_db")]
    [InlineData("/app/db", "-", "-app-db")]
    [InlineData("/app/db", null, "app/db")]
    [InlineData("plain", "_", "plain")]
    public void FileName_PathTranslation_AsUpstream(string name, string? translate, string expected)
    {
        var item = Parse($"- {{objectName: '{name}', objectType: ssmparameter}}", translate).Single();

        item.FileName.Should().Be(expected);
    }

    [Theory]
    [InlineData(null, "_")]
    [InlineData("", "_")]
    [InlineData("False", null)]
    [InlineData("FALSE", null)]
    [InlineData(":", ":")]
    public void ParseTranslation_Values(string? value, string? expected)
    {
        AwsObjectParser.ParseTranslation(value, Invalid).Should().Be(expected);
    }

    [Fact]
    public void ParseTranslation_LongValue_UpstreamError()
    {
        var act = () => AwsObjectParser.ParseTranslation("ab", Invalid);

        act.Should().Throw<SecretStoreException>().WithMessage("pathTranslation must be either 'False' or a single character string");
    }

    [Fact]
    public void Parse_SsmArn_TypeImpliedByArn()
    {
        var item = Parse("- {objectName: 'arn:aws:ssm:us-east-1:123:parameter/app/x'}").Single();

        item.Kind.Should().Be(AwsObjectKind.SsmParameter);
        item.FileName.Should().Be("arn:aws:ssm:us-east-1:123:parameter_app_x");
    }

    [Fact]
    public async Task Fetch_FailoverRegionSameAsPrimary_Rejected()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var parameters = AwsTestContext.Params("- {objectName: a, objectType: secretsmanager}", "us-east-1", ("failoverRegion", "us-east-1"));

        var error = await aws.FailAsync(AwsTestContext.Request(parameters));

        error.Message.Should().Be("SecretProviderClass app/app-secrets: failover region cannot be the same as the primary region");
    }

    [Theory]
    [InlineData("usePodIdentity", "yes", "failed to parse usePodIdentity value")]
    [InlineData("pathTranslation", "__", "pathTranslation must be either 'False' or a single character string")]
    [InlineData("region", "not a region", "region 'not a region' is not an AWS region name")]
    public async Task Fetch_BadTopLevelParameter_InvalidConfiguration(string key, string value, string expected)
    {
        await using var aws = await AwsTestContext.StartAsync();
        var parameters = AwsTestContext.Params("- {objectName: a, objectType: secretsmanager}");
        parameters[key] = value;

        var error = await aws.FailAsync(AwsTestContext.Request(parameters));

        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain(expected);
    }
}
