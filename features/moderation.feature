Feature: Moderation when reviewers disagree
  Reviewers disagree on a criterion when their levels are 2 or more points apart, or when
  they sit on both sides of a must-pass threshold (the pass threshold 1 or the approval
  threshold 2). A file with a disagreement goes to moderation instead of sign-off. The QA
  officer then agrees a consensus level for every disputed criterion and writes down why;
  moderation cannot be completed while a disputed criterion lacks either. The reviewers'
  own scores are kept as they were, and the file goes on to sign-off with the consensus.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" in peer review

  Scenario Outline: Reviewers who disagree send the file to moderation
    When the subject expert and the labour-market expert submit these scores, all others 3:
      | criterion   | subject expert | labour-market expert |
      | <criterion> | <first>        | <second>             |
    And routing runs
    Then the file is at stage "moderation"
    And "<criterion>" is disputed because "<reason>"
    And the QA officers are told the file needs moderation

    Examples: ordinary criteria 2 or more points apart
      | criterion | first | second | reason                            |
      | QUAL-3    | 0     | 2      | scores 0 and 2 differ by 2 points |
      | PORT-2    | 3     | 0      | scores 0 and 3 differ by 3 points |

    Examples: must-pass criteria on both sides of a threshold
      | criterion | first | second | reason                                                            |
      | QUAL-1    | 1     | 2      | one reviewer scored 1, another 2 — on both sides of the approval threshold 2 |
      | VASS-1    | 0     | 1      | one reviewer scored 0, another 1 — on both sides of the pass threshold 1     |

  Scenario: One point apart on an ordinary criterion is not a disagreement
    When the subject expert and the labour-market expert submit these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | QUAL-3    | 2              | 3                    |
      | RELV-2    | 1              | 2                    |
    And routing runs
    Then the file is at stage "sign off"

  Scenario: Moderation needs a consensus with a rationale for every disputed criterion
    Given the subject expert and the labour-market expert submitted these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | QUAL-3    | 0              | 3                    |
      | PORT-2    | 3              | 1                    |
    And routing runs
    When officer Aoife completes moderation
    Then it is refused, naming:
      | problem |
      | QUAL-3  |
      | PORT-2  |
    When officer Aoife sets the consensus for "QUAL-3" to 2 without a rationale
    Then it is refused with "QUAL-3: give the rationale for the consensus score"
    When officer Aoife sets the consensus for "QUAL-3" to 2 because "Survey exists but no action plan yet"
    And officer Aoife completes moderation
    Then it is refused, naming:
      | problem |
      | PORT-2  |
    And the file is still at stage "moderation"
    When officer Aoife sets the consensus for "PORT-2" to 2 because "Open Badges 3.0 issued; signature key policy still in draft"
    And officer Aoife completes moderation
    Then the file is at stage "sign off"
    And the consensus for "QUAL-3" is 2 with its rationale
    And the consensus for "PORT-2" is 2 with its rationale
    And the reviewers' own scores for "QUAL-3" are still 0 and 3
    And the reviewers' own scores for "PORT-2" are still 3 and 1
    And the recommended decision is "approved"

  Scenario: The consensus decides the recommendation
    Given the subject expert and the labour-market expert submitted these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | VASS-1    | 0              | 1                    |
    And routing runs
    When officer Aoife sets the consensus for "VASS-1" to 0 because "Two outcomes have no assessment at all"
    And officer Aoife completes moderation
    Then the file is at stage "sign off"
    And the recommended decision is "revise and resubmit"
    And the recommendation gives the reason "VASS-1 is must-pass and scored 0"

  Scenario: Only a QA officer moderates
    Given the subject expert and the labour-market expert submitted these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | QUAL-3    | 0              | 3                    |
    And routing runs
    When the learner member tries to set the consensus for "QUAL-3" to 3 because "I liked it"
    Then it is refused with "only a QA officer can record a consensus score"
