Feature: Peer review by a balanced panel
  When screening accepts a file, routing invites three peer reviewers: a subject expert,
  a labour-market expert and a learner member (ESG Part 2). Each reviewer accepts or
  declines the invitation (declining needs a reason) and answers the conflict-of-interest
  question before scoring anything; declaring a conflict ends the assignment and routing
  looks for a replacement. A review is submitted only when every criterion is scored or
  marked cannot judge, and a submitted review is locked. As soon as two reviews are in and
  the reviewers agree, the file goes to sign-off.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" in peer review

  Scenario: Routing invites a balanced panel of three
    Then these reviewers are invited:
      | panel role     | reviewer  |
      | subject_expert | Agnieszka |
      | labour_market  | Soren     |
      | learner        | Lucia     |
    And every invitation asks for an answer in 5 days and the review in 21 days
    And every invited reviewer is sent an invitation to review
    And no reviewer has answered the conflict-of-interest question yet

  Scenario: A reviewer answers the conflict-of-interest question before scoring
    Given the subject expert has accepted the invitation
    When the subject expert scores "QUAL-1" at level 3
    Then it is refused with "answer the conflict-of-interest question before scoring"
    When the subject expert declares no conflict of interest
    Then the subject expert's conflict-of-interest answer is recorded as "none"
    When the subject expert scores "QUAL-1" at level 3
    Then the subject expert's review holds "QUAL-1" at level 3

  Scenario: A reviewer accepts the invitation before scoring
    When the learner member scores "QUAL-1" at level 3
    Then it is refused with "accept the invitation before scoring"

  Scenario: Declaring a conflict of interest ends the assignment
    Given a spare subject expert "Marek" is in the reviewer pool
    And the subject expert has accepted the invitation
    When the subject expert declares a conflict of interest: "I co-designed module 2 of this course"
    Then the subject expert's assignment is "cancelled"
    And the subject expert's conflict-of-interest answer is recorded as "declared"
    When the subject expert scores "QUAL-1" at level 3
    Then it is refused with "this review is cancelled; scores can no longer change"
    When routing runs
    Then "Marek" is invited as the replacement subject_expert

  Scenario: A conflict of interest must be described
    When the subject expert declares a conflict of interest: " "
    Then it is refused with "describe the conflict of interest"
    And the subject expert's assignment is "invited"

  Scenario: Declining an invitation needs a reason
    Given a spare learner member "Marta" is in the reviewer pool
    When the learner member declines the invitation without a reason
    Then it is refused with "say why you decline"
    And the learner member's assignment is "invited"
    When the learner member declines the invitation because "On parental leave until March 2027"
    Then the learner member's assignment is "declined"
    And the learner member's reason "On parental leave until March 2027" is kept
    When routing runs
    Then "Marta" is invited as the replacement learner

  Scenario: A review with criteria left unscored cannot be submitted
    Given the subject expert has accepted the invitation
    And the subject expert has declared no conflict of interest
    And the subject expert has scored every criterion at level 3 except:
      | criterion |
      | VASS-2    |
      | AUTH-4    |
    When the subject expert submits the review recommending "approved"
    Then it is refused, naming:
      | problem |
      | VASS-2  |
      | AUTH-4  |
    And the subject expert's assignment is "accepted"
    When the subject expert marks "VASS-2" and "AUTH-4" as cannot judge
    And the subject expert submits the review recommending "approved"
    Then the subject expert's assignment is "submitted"

  Scenario: A submitted review is locked
    Given the subject expert submitted a review scoring every criterion 3
    When the subject expert scores "QUAL-1" at level 0
    Then it is refused with "this review is submitted; scores can no longer change"
    And the subject expert's review holds "QUAL-1" at level 3
    When the subject expert submits the review recommending "rejected"
    Then it is refused with "this review was already submitted and is locked"
    And the subject expert's review still recommends "approved"

  Scenario: Two agreeing reviews send the file to sign-off
    Given the learner member has accepted the invitation
    And the learner member has declared no conflict of interest
    When the subject expert submits a review scoring every criterion 3
    And routing runs
    Then the file is at stage "peer review"
    When the labour-market expert submits a review scoring every criterion 2
    And routing runs
    Then the file is at stage "sign off"
    And the recommended decision is "approved"
    And the learner member can no longer score the file
