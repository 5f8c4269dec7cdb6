Feature: Audit packs for QA agencies
  A QA agency downloads an audit pack of the decisions signed in a period: a zip with a
  workbook and a CSV twin of each sheet, holding every decided micro-credential with its
  descriptor, the self-assessment, every reviewer's scores, the consensus, the decision with
  its rationale and conditions, and the review trail. Reviewers appear under pseudonyms. A
  manifest lists the checksum of every file, so the agency can check nothing was changed.
  The same data and period always give the same pack, byte for byte.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" in peer review

  Scenario: The agency finds the decision with its rationale and every reviewer's scores
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 2
    And routing runs
    When officer Lukas signs off "approved" with the rationale "Meets every criterion; the panel agreed on all of them."
    And the agency builds the audit pack for the day of the decision
    Then the pack verifies against its manifest
    And the Decisions sheet shows "Applied Data Analysis with Python" as "approved" with the rationale "Meets every criterion; the panel agreed on all of them."
    And the PeerScores sheet has 2 reviews of "Applied Data Analysis with Python", one scoring every criterion 3 and one scoring every criterion 2
    And the DEQAR sheet has a positive decision for "Applied Data Analysis with Python"
    And no reviewer is named anywhere in the pack
    And building the pack again gives the same bytes

  Scenario: A revise-and-resubmit decision is in the pack but not in the DEQAR sheet
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 3
    And routing runs
    When officer Lukas signs off "revise and resubmit" with the rationale "Publish the assessment criteria before enrolment opens."
    And the agency builds the audit pack for the day of the decision
    Then the Decisions sheet shows "Applied Data Analysis with Python" as "revise_and_resubmit" with the rationale "Publish the assessment criteria before enrolment opens."
    And the DEQAR sheet is empty

  Scenario: A pack for another period does not contain the decision
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 3
    And routing runs
    When officer Lukas signs off "approved" without a rationale
    And the agency builds the audit pack for the year before the decision
    Then the pack verifies against its manifest
    And the Decisions sheet is empty

  Scenario: The agency detects that the audit trail was cut after its pack was built
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 3
    And routing runs
    When officer Lukas signs off "approved" without a rationale
    And the office's worker builds the audit pack the agency requested for the day of the decision
    Then the pack carries a checkpoint of the audit trail signed with the office's key
    And checking the office's audit trail against the pack finds it intact
    When someone with access to the database deletes the newest audit entries and every stored checkpoint
    Then checking the office's audit trail against the pack reports entries deleted from the end

  Scenario: An agency auditor checks that a pack is genuine and catches a forged one
    Given the subject expert submitted a review scoring every criterion 3
    And the labour-market expert submitted a review scoring every criterion 3
    And routing runs
    When officer Lukas signs off "rejected" with the rationale "The assessment does not test the stated outcomes."
    And the office's worker builds the audit pack the agency requested for the day of the decision
    Then the pack is signed by the office and verifies with the office's public key
    When someone changes the decision in Decisions.csv to "approved" and recomputes the manifest
    Then verifying the pack with the office's public key says the signature does not match
