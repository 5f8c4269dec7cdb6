Feature: Revise and resubmit
  A must-pass criterion at 0 is a fixable failure in the first round: the rules recommend
  revise-and-resubmit, and the provider may resubmit a revised descriptor. Resubmission
  opens a new round that starts again at intake and goes through self-assessment,
  screening and peer review. Every earlier round stays on file exactly as it was decided:
  its descriptor, its scores and its decision can still be read and never change. A
  must-pass criterion still at 0 after resubmission is recommended for rejection.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" in peer review

  Scenario: A must-pass criterion at 0 leads to revise-and-resubmit
    When the subject expert and the labour-market expert submit these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | QUAL-1    | 0              | 0                    |
    And routing runs
    Then the file is at stage "sign off"
    And the recommended decision is "revise and resubmit"
    And the recommendation gives the reason "QUAL-1 is must-pass and scored 0"
    When officer Lukas signs off "revise and resubmit" without a rationale
    Then it is refused with "say what the provider must revise"
    When officer Lukas signs off "revise and resubmit" with the rationale "Attach the approval record of the programme board (QUAL-1), then resubmit."
    Then the file is at stage "revise and resubmit"
    And round 1 is closed with the outcome "revise_and_resubmit"
    And the decision for round 1 is "revise_and_resubmit", with no validity dates

  Scenario: Resubmission opens round 2 back through intake to self-assessment
    Given round 1 ended in revise-and-resubmit because both reviewers scored "QUAL-1" at 0
    When the provider resubmits with the further information "Approval record: Academic Council minutes 2027-01-15"
    Then the file is in round 2 at stage "submitted"
    When routing runs
    Then the file is in round 2 at stage "self assessment"
    And the round 2 self-assessment is open and empty
    And round 2 holds the revised descriptor
    And round 1's descriptor, scores and decision are exactly as they were decided

  Scenario: Only a file sent back for revision can be resubmitted
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 3
    And routing runs
    When the provider resubmits with the further information "An unasked-for update"
    Then it is refused with "is sign off, not revise and resubmit"
    And the file is still at stage "sign off"

  Scenario: A must-pass criterion still at 0 in round 2 is recommended for rejection
    Given round 1 ended in revise-and-resubmit because both reviewers scored "QUAL-1" at 0
    When the provider resubmits with the further information "Approval record to follow"
    And round 2 goes through intake, self-assessment and screening to peer review
    And the subject expert and the labour-market expert submit these scores, all others 3:
      | criterion | subject expert | labour-market expert |
      | QUAL-1    | 0              | 0                    |
    And routing runs
    Then the file is in round 2 at stage "sign off"
    And the recommended decision is "rejected"
    And the recommendation gives the reason "QUAL-1 is must-pass and still scored 0 after resubmission (round 2)"
    When officer Lukas signs off "rejected" with the rationale "No approval record exists for the course after resubmission."
    Then the file is at stage "rejected"
    And round 1's descriptor, scores and decision are exactly as they were decided

  Scenario: A must-pass criterion fixed in round 2 can be approved
    Given round 1 ended in revise-and-resubmit because both reviewers scored "QUAL-1" at 0
    When the provider resubmits with the further information "Approval record: Academic Council minutes 2027-01-15"
    And round 2 goes through intake, self-assessment and screening to peer review
    And the subject expert submits a review scoring every criterion 3
    And the labour-market expert submits a review scoring every criterion 3
    And routing runs
    Then the file is in round 2 at stage "sign off"
    And the recommended decision is "approved"
